import { expect } from '@open-wc/testing';
import { set } from 'idb-keyval';
import { APP_CHANNEL, type AppMessage } from '../../shared/messages.js';
import { OutboxIndex } from '../../src/core/outbox-index.js';
import type { Stores } from '../../src/core/stores.js';
import {
  deleteSubmission,
  getSubmission,
  listSubmissions,
  saveSubmission,
  updateSubmission,
} from '../../src/core/submissions.js';
import { demoPayload, testStores } from '../support/fixtures.js';
import { afterEach, beforeEach, describe, it } from '../support/mocha.js';
import { waitUntil } from '../support/wait-until.js';

describe('OutboxIndex', () => {
  let s: Stores;
  let index: OutboxIndex;
  beforeEach(() => {
    s = testStores();
    index = new OutboxIndex(s);
  });
  afterEach(() => index.stop());

  it('holds a small copy of every submission on the device', async () => {
    const located = demoPayload([]);
    const unlocated = { ...demoPayload([]), location: null };
    await saveSubmission(located, s);
    await saveSubmission(unlocated, s);
    await updateSubmission(
      unlocated.id,
      (r) => ({
        ...r,
        status: 'rejected',
        rejection: { error: 'validation_failed', message: 'Site is missing.' },
      }),
      s,
    );
    await index.load();
    const a = index.get(located.id);
    const b = index.get(unlocated.id);
    expect(index.all().length).to.equal(2);
    expect(a?.status).to.equal('queued');
    expect(a?.formId).to.equal(located.formId);
    expect(a?.location).to.deep.equal({ lat: located.location?.lat, lon: located.location?.lon });
    expect(b?.location).to.equal(null);
    expect(b?.rejection).to.equal('Site is missing.');
  });

  it('follows changes made after it was loaded, deletions included', async () => {
    const kept = demoPayload([]);
    const gone = demoPayload([]);
    await saveSubmission(kept, s);
    await saveSubmission(gone, s);
    await index.load();
    const changed: (string[] | null)[] = [];
    index.addEventListener('change', (e) =>
      changed.push((e as CustomEvent<{ ids: string[] | null }>).detail.ids),
    );
    await updateSubmission(
      kept.id,
      (r) => ({ ...r, status: 'waiting', lastError: 'The server did not answer.' }),
      s,
    );
    await deleteSubmission(gone.id, s);
    const added = demoPayload([]);
    await saveSubmission(added, s);
    await waitUntil(
      () => index.get(kept.id)?.status === 'waiting' && !index.get(gone.id) && index.get(added.id),
      'the index to follow the outbox',
    );
    expect(index.get(kept.id)?.lastError).to.equal('The server did not answer.');
    expect(
      index
        .all()
        .map((e) => e.id)
        .sort(),
    ).to.deep.equal([kept.id, added.id].sort());
    expect(changed.flat()).to.include.members([kept.id, gone.id, added.id]);
  });

  it("takes a sender's marks from their messages: sending, then sent with no error left", async () => {
    const p = demoPayload([]);
    await saveSubmission(p, s);
    await updateSubmission(p.id, (r) => ({ ...r, status: 'waiting', lastError: 'No network.' }), s);
    await index.load();
    expect(index.get(p.id)?.lastError).to.equal('No network.');
    await updateSubmission(p.id, (r) => ({ ...r, status: 'sending' }), s);
    await waitUntil(() => index.get(p.id)?.status === 'sending', 'sending');
    expect(index.get(p.id)?.lastError).to.equal('No network.');
    await updateSubmission(p.id, (r) => ({ ...r, status: 'sent', lastError: null }), s);
    await waitUntil(() => index.get(p.id)?.status === 'sent', 'sent');
    expect(index.get(p.id)?.lastError).to.equal(null);
  });

  it('loses no change made between the read it is loaded from and the load', async () => {
    const p = demoPayload([]);
    await saveSubmission(p, s);
    index.listen();
    const records = await listSubmissions(s);
    await updateSubmission(p.id, (r) => ({ ...r, status: 'sent' }), s);
    await index.load(records);
    expect(index.get(p.id)?.status, 'as read').to.equal('queued');
    await waitUntil(() => index.get(p.id)?.status === 'sent', 'the change after the read');
  });

  it("hears another context's writes through the app's channel", async () => {
    const p = demoPayload([]);
    await saveSubmission(p, s);
    await index.load();
    // As the service worker does after sending: its own write, then its message to every page.
    const record = await getSubmission(p.id, s);
    if (!record) throw new Error('Not saved');
    await set(p.id, { ...record, status: 'sent' }, s.submissions);
    const other = new BroadcastChannel(APP_CHANNEL);
    other.postMessage({
      type: 'submission-changed',
      payload: { id: p.id, status: 'sent' },
    } satisfies AppMessage);
    other.close();
    await waitUntil(() => index.get(p.id)?.status === 'sent', 'the worker-sent submission');
  });

  it('reads a burst of changes together and ends with all of them', async () => {
    const payloads = Array.from({ length: 20 }, () => demoPayload([]));
    for (const p of payloads) await saveSubmission(p, s);
    await index.load();
    let events = 0;
    index.addEventListener('change', () => events++);
    await Promise.all(payloads.map((p) => updateSubmission(p.id, (r) => ({ ...r, status: 'sent' }), s)));
    await waitUntil(() => index.all().every((e) => e.status === 'sent'), 'every change');
    expect(events).to.be.greaterThan(0);
    expect(events).to.be.lessThan(20);
  });
});
