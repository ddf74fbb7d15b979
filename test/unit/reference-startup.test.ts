// The reference data as start-up reads it: lists kept as text and parsed when used, read once.
import { expect } from '@open-wc/testing';
import { get, set, type UseStore } from 'idb-keyval';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { APP_CHANNEL, type AppMessage } from '../../shared/messages.js';
import { getStoredReference, refreshReference, type StoredReference } from '../../src/core/reference.js';
import type { ReferenceRecord } from '../../src/core/reference-lists.js';
import type { Stores } from '../../src/core/stores.js';
import { ReferenceController } from '../../src/reference/reference-controller.js';
import { enrollThisBrowser } from '../support/enroll.js';
import { testStores } from '../support/fixtures.js';
import { before, beforeEach, describe, it } from '../support/mocha.js';

const HOUR = 3600_000;

before(async () => {
  await enrollThisBrowser();
});

/** The stores, with every read of the stored reference data counted. */
function counting(s: Stores): { stores: Stores; reads: () => number } {
  let reads = 0;
  const settings: UseStore = (mode, callback) =>
    s.settings(mode, (store) => {
      const counted = new Proxy(store, {
        get(target, prop) {
          if (prop === 'get')
            return (key: IDBValidKey) => {
              if (key === 'reference') reads++;
              return target.get(key);
            };
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        },
      });
      return callback(counted);
    });
  return { stores: { ...s, settings }, reads: () => reads };
}

/** A host enough for the controller: it only asks to be drawn again. */
function host(): ReactiveControllerHost {
  return {
    addController: (_c: ReactiveController) => undefined,
    removeController: () => undefined,
    requestUpdate: () => undefined,
    updateComplete: Promise.resolve(true),
  };
}

/** Resolves with the next reference-updated message any context sends. */
function nextReferenceUpdate(): Promise<AppMessage> {
  const channel = new BroadcastChannel(APP_CHANNEL);
  return new Promise((resolve) => {
    channel.onmessage = (e: MessageEvent<AppMessage>) => {
      if (e.data.type !== 'reference-updated') return;
      channel.close();
      resolve(e.data);
    };
  });
}

describe('the stored reference data', () => {
  let s: Stores;
  beforeEach(async () => {
    s = testStores();
    await refreshReference({}, s);
  });

  it('keeps each choice list as text, parsed when first used and then kept', async () => {
    const raw = await get<ReferenceRecord>('reference', s.settings);
    expect(raw?.schema).to.equal(2);
    expect(typeof raw?.lists['villages']).to.equal('string');
    const stored = await getStoredReference(s);
    const lists = stored!.data.lists;
    expect(Object.getOwnPropertyDescriptor(lists, 'villages')?.get, 'parsed on first use').to.be.a(
      'function',
    );
    expect(lists['villages']).to.have.length(20_000);
    expect(lists['villages']).to.equal(lists['villages']);
    expect(stored!.data.forms.map((f) => f.id)).to.include('household-visit');
  });

  it('reads data an older version stored whole', async () => {
    const whole: StoredReference = {
      schema: 1,
      data: { forms: [], lists: { sites: [{ value: 'a', label: 'Site A' }] } },
      etag: '"whole"',
      checkedAt: new Date().toISOString(),
    };
    await set('reference', whole, s.settings);
    expect(await getStoredReference(s)).to.deep.equal(whole);
  });

  it('leaves out a list whose text is damaged rather than the whole data', async () => {
    const raw = await get<ReferenceRecord>('reference', s.settings);
    await set('reference', { ...raw, lists: { ...raw!.lists, sites: '[{"value":' } }, s.settings);
    const stored = await getStoredReference(s);
    expect(stored!.data.lists['sites']).to.deep.equal([]);
    expect(stored!.data.lists['villages']).to.have.length(20_000);
  });
});

describe('start-up', () => {
  let s: Stores;
  beforeEach(async () => {
    s = testStores();
    // This refresh's own news is delivered before the test starts, not to its controller.
    const announced = nextReferenceUpdate();
    await refreshReference({}, s);
    await announced;
  });

  it('reads the stored data once when it is fresh', async () => {
    const { stores, reads } = counting(s);
    const ref = new ReferenceController(
      host(),
      () => stores,
      () => undefined,
    );
    ref.hostConnected();
    await ref.readStored();
    await ref.refreshIfStale();
    ref.hostDisconnected();
    expect(ref.data?.forms.length).to.be.greaterThan(0);
    expect(reads()).to.equal(1);
  });

  it('reads it once too when the day-old copy is confirmed by the server (304), refreshed off the page', async () => {
    const raw = await get<ReferenceRecord>('reference', s.settings);
    const dayOld = new Date(Date.now() - 25 * HOUR).toISOString();
    await set('reference', { ...raw, checkedAt: dayOld }, s.settings);
    const { stores, reads } = counting(s);
    let answered = 0;
    const ref = new ReferenceController(
      host(),
      () => stores,
      () => answered++,
    );
    ref.hostConnected();
    const announced = nextReferenceUpdate();
    await ref.readStored();
    const lists = ref.data?.lists;
    await ref.refreshIfStale();
    const message = await announced;
    // The controller heard the same message: whatever it does about it has started by the next task.
    await new Promise((r) => setTimeout(r));
    ref.hostDisconnected();
    expect(message.type === 'reference-updated' && message.payload.outcome).to.equal('unchanged');
    expect(answered).to.equal(1);
    expect(ref.checkedAt! > dayOld).to.equal(true);
    expect(ref.data?.lists, 'the lists already parsed are kept').to.equal(lists);
    expect(reads()).to.equal(1);
  });
});
