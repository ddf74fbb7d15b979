// The reference data refresh module against the real server, with faults injected between them.
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { set } from 'idb-keyval';
import {
  getLastRefreshAttempt,
  getStoredReference,
  isStale,
  refreshIfStale,
  refreshReference,
  type StoredReference,
} from '../../src/core/reference.js';
import type { Stores } from '../../src/core/stores.js';
import { APP_CHANNEL, type AppMessage } from '../../shared/messages.js';
import { testStores } from '../support/fixtures.js';
import { before, afterEach, beforeEach, describe, it } from '../support/mocha.js';
import { enrollThisBrowser } from '../support/enroll.js';

const HOUR = 3600_000;

/** An older copy the device might hold: one list, no forms, an ETag the server no longer has. */
function oldCopy(checkedAt: number): StoredReference {
  return {
    schema: 1,
    data: { forms: [], lists: { sites: [{ value: 'old', label: 'Old site' }] } },
    etag: '"old"',
    checkedAt: new Date(checkedAt).toISOString(),
  };
}

async function requests(): Promise<string[]> {
  return (await executeServerCommand<string[], { reset: boolean }>('api-requests', { reset: true })) ?? [];
}

function fault(payload: { status?: number; count?: number; down?: boolean }): Promise<unknown> {
  return executeServerCommand('api-fault', payload);
}

before(async () => {
  await enrollThisBrowser();
});

describe('refreshing the reference data', () => {
  let s: Stores;
  beforeEach(async () => {
    s = testStores();
    await fault({});
    await requests();
  });
  afterEach(async () => {
    await fault({});
  });

  it('replaces an older copy with new, valid data and its ETag', async () => {
    await set('reference', oldCopy(Date.now() - 2 * HOUR), s.settings);
    const { attempt, reference } = await refreshReference({}, s);
    expect(attempt.outcome).to.equal('updated');
    const stored = await getStoredReference(s);
    expect(stored).to.deep.equal(reference);
    expect(stored!.data.forms.length).to.be.greaterThan(0);
    expect(stored!.etag).to.match(/^"[A-Za-z0-9_-]+"$/);
    expect(stored!.data.staleAfterHours).to.equal(72);
    expect(await getLastRefreshAttempt(s)).to.deep.equal(attempt);
  });

  it('changes only the check time when the server answers 304', async () => {
    await refreshReference({}, s);
    const before = (await getStoredReference(s))!;
    await new Promise((r) => setTimeout(r, 5));
    const { attempt } = await refreshReference({}, s);
    expect(attempt.outcome).to.equal('unchanged');
    const after = (await getStoredReference(s))!;
    expect(after.checkedAt > before.checkedAt).to.equal(true);
    expect({ ...after, checkedAt: before.checkedAt }).to.deep.equal(before);
  });

  it('keeps the old data when the answer is not JSON', async () => {
    const old = oldCopy(Date.now() - 2 * HOUR);
    await set('reference', old, s.settings);
    const fetcher = () => Promise.resolve(new Response('{"forms": [', { status: 200 }));
    const { attempt, reference } = await refreshReference({ fetcher }, s);
    expect(attempt.outcome).to.equal('failed');
    expect(attempt.message).to.contain('not valid JSON');
    expect(reference).to.deep.equal(old);
    expect(await getStoredReference(s)).to.deep.equal(old);
  });

  it('keeps the old data when the server answers 200 with something that is not reference data', async () => {
    const old = oldCopy(Date.now() - 2 * HOUR);
    await set('reference', old, s.settings);
    await fault({ status: 200, count: 1 });
    const { attempt } = await refreshReference({}, s);
    expect(attempt.outcome).to.equal('failed');
    expect(attempt.message).to.contain('cannot use');
    expect(await getStoredReference(s)).to.deep.equal(old);
  });

  it('keeps the old data when a partial answer breaks a form', async () => {
    const old = oldCopy(Date.now() - 2 * HOUR);
    await set('reference', old, s.settings);
    const partial = {
      forms: [
        {
          id: 'x',
          version: 1,
          title: 'X',
          fields: [{ name: 'a', type: 'select_one', label: 'A', choiceList: 'gone' }],
        },
      ],
      lists: {},
    };
    const fetcher = () => Promise.resolve(Response.json(partial));
    const { attempt } = await refreshReference({ fetcher }, s);
    expect(attempt.outcome).to.equal('failed');
    expect(await getStoredReference(s)).to.deep.equal(old);
  });

  it('keeps the old data and records the failure when the network is down', async () => {
    const old = oldCopy(Date.now() - 2 * HOUR);
    await set('reference', old, s.settings);
    await fault({ down: true });
    const { attempt } = await refreshReference({}, s);
    expect(attempt.outcome).to.equal('failed');
    expect(attempt.message).to.contain('could not be reached');
    expect(await getStoredReference(s)).to.deep.equal(old);
    expect((await getLastRefreshAttempt(s))!.outcome).to.equal('failed');
  });

  it('tells every open page when it finishes', async () => {
    const listener = new BroadcastChannel(APP_CHANNEL);
    const heard = new Promise<AppMessage>((resolve) => {
      listener.onmessage = (e: MessageEvent<AppMessage>) => {
        if (e.data.type === 'reference-updated') resolve(e.data);
      };
    });
    try {
      const { attempt, reference } = await refreshReference({}, s);
      const message = await heard;
      expect(message).to.deep.equal({
        type: 'reference-updated',
        payload: { ...attempt, checkedAt: reference!.checkedAt },
      });
    } finally {
      listener.close();
    }
  });
});

describe('refreshing at start-up', () => {
  let s: Stores;
  beforeEach(async () => {
    s = testStores();
    await fault({});
    await requests();
  });

  it('fetches when the data was last checked more than 24 hours ago', async () => {
    await set('reference', oldCopy(Date.now() - 25 * HOUR), s.settings);
    const result = await refreshIfStale({}, s);
    expect(result?.attempt.outcome).to.equal('updated');
    expect(await requests()).to.deep.equal(['GET /api/reference']);
  });

  it('fetches when the device has no data', async () => {
    const result = await refreshIfStale({}, s);
    expect(result?.attempt.outcome).to.equal('updated');
    expect(await requests()).to.deep.equal(['GET /api/reference']);
  });

  it('does not fetch data checked within the last 24 hours', async () => {
    const fresh = oldCopy(Date.now() - 23 * HOUR);
    await set('reference', fresh, s.settings);
    expect(await refreshIfStale({}, s)).to.equal(null);
    expect(await requests()).to.deep.equal([]);
    expect(await getStoredReference(s)).to.deep.equal(fresh);
  });
});

describe('freshness', () => {
  it("warns after the server's threshold, 72 hours unless the data says otherwise", () => {
    const now = Date.now();
    expect(isStale(oldCopy(now - 71 * HOUR), now)).to.equal(false);
    expect(isStale(oldCopy(now - 73 * HOUR), now)).to.equal(true);
    const strict = oldCopy(now - 13 * HOUR);
    strict.data.staleAfterHours = 12;
    expect(isStale(strict, now)).to.equal(true);
  });
});
