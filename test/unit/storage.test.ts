import { expect } from '@open-wc/testing';
import { describe, it } from '../support/mocha.js';
import { get, set } from 'idb-keyval';
import { openCorrection } from '../../src/core/corrections.js';
import { getDraft, listDrafts, putDraft } from '../../src/core/drafts.js';
import { collectGarbage, ORPHAN_GRACE_MS } from '../../src/core/housekeeping.js';
import { onAppMessage, onOutboxChange } from '../../src/core/outbox-events.js';
import type { AppMessage, SubmissionChange } from '../../shared/messages.js';
import { getPhoto, photoHashes, putPhoto } from '../../src/core/photos.js';
import { getDeviceId } from '../../src/core/settings.js';
import { StorageFullError } from '../../src/core/stores.js';
import {
  deleteSubmission,
  getSubmission,
  listSubmissions,
  MissingPhotoError,
  saveSubmission,
  unreadableSubmissions,
  updateSubmission,
} from '../../src/core/submissions.js';
import type { Draft, StoredPhoto } from '../../shared/outbox.js';
import { demoPayload, fullDiskStores, makeStoredPhoto, testStores } from '../support/fixtures.js';

function draftFor(id: string, answers: Draft['answers'], correcting = false): Draft {
  return {
    schema: 1,
    id,
    formId: 'water-point-inspection',
    formVersion: 1,
    answers,
    updatedAt: new Date().toISOString(),
    correcting,
  };
}

describe('device storage', () => {
  it('saves a submission only after all its photos are stored, and removes its draft', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(1);
    const payload = demoPayload([photo]);
    await putDraft(draftFor(payload.id, payload.answers), s);

    let error: unknown;
    try {
      await saveSubmission(payload, s);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(MissingPhotoError);
    expect((error as MissingPhotoError).hashes).to.deep.equal([photo.sha256]);
    expect(await getSubmission(payload.id, s)).to.equal(undefined);
    expect(await getDraft(payload.id, s), 'the draft is kept when the save fails').to.not.equal(undefined);

    await putPhoto(photo, s);
    const saved = await saveSubmission(payload, s);
    expect(saved.status).to.equal('queued');
    expect((await getSubmission(payload.id, s))?.payload).to.deep.equal(payload);
    expect(await getDraft(payload.id, s)).to.equal(undefined);
  });

  it('keeps photo bytes exactly as stored, as an ArrayBuffer', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(2);
    await putPhoto(photo, s);
    const back = await getPhoto(photo.sha256, s);
    expect(back?.data).to.be.instanceOf(ArrayBuffer);
    expect(new Uint8Array(back!.data)).to.deep.equal(new Uint8Array(photo.data));
  });

  it('lists submissions newest first and refuses to overwrite one that is not rejected', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(3);
    await putPhoto(photo, s);
    const older = { ...demoPayload([photo]), createdAt: '2026-01-01T10:00:00.000Z' };
    const newer = { ...demoPayload([photo]), createdAt: '2026-01-02T10:00:00.000Z' };
    await saveSubmission(older, s);
    await saveSubmission(newer, s);
    expect((await listSubmissions(s)).map((r) => r.payload.id)).to.deep.equal([newer.id, older.id]);

    let error: unknown;
    try {
      await saveSubmission({ ...older, answers: { ...older.answers, people_served: 1 } }, s);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
    expect((await getSubmission(older.id, s))?.payload.answers.people_served).to.equal(120);
  });

  it('lists drafts most recently edited first, whatever order their keys are in', async () => {
    const s = testStores();
    const at = (day: number) => `2026-03-0${day}T08:00:00.000Z`;
    // Keys in the opposite order to the times, written in neither order.
    const drafts = [
      { ...draftFor('a', { site: 'site_001' }), updatedAt: at(1) },
      { ...draftFor('c', { site: 'site_003' }), updatedAt: at(3) },
      { ...draftFor('b', { site: 'site_002' }), updatedAt: at(2) },
    ];
    for (const d of [drafts[2], drafts[0], drafts[1]]) if (d) await putDraft(d, s);
    expect((await listDrafts(s)).map((d) => d.id)).to.deep.equal(['c', 'b', 'a']);
  });

  it('applies concurrent status updates one after the other, losing none', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(4);
    await putPhoto(photo, s);
    const payload = demoPayload([photo]);
    await saveSubmission(payload, s);
    await Promise.all(
      Array.from({ length: 10 }, () =>
        updateSubmission(payload.id, (r) => ({ ...r, attempts: r.attempts + 1 }), s),
      ),
    );
    expect((await getSubmission(payload.id, s))?.attempts).to.equal(10);
  });

  it('writes changes asked for during a write together, with one notice, and fails only a change that throws', async () => {
    const s = testStores();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const photo = await makeStoredPhoto(40 + i);
      await putPhoto(photo, s);
      const payload = demoPayload([photo]);
      await saveSubmission(payload, s);
      ids.push(payload.id);
    }
    const messages: AppMessage[] = [];
    const off = onAppMessage((m) => messages.push(m));
    const [a = '', b = '', c = '', d = ''] = ids;
    const writes = [
      updateSubmission(a, (r) => ({ ...r, status: 'sending' }), s),
      // Asked while the first is being written: these three go in the next transaction.
      updateSubmission(b, (r) => ({ ...r, status: 'sent' }), s),
      updateSubmission(
        c,
        () => {
          throw new Error('a broken change');
        },
        s,
      ),
      updateSubmission(d, (r) => ({ ...r, status: 'rejected' }), s),
    ];
    const settled = await Promise.allSettled(writes);
    off();
    expect(settled.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(settled[1]?.status === 'fulfilled' && settled[1].value?.status).to.equal('sent');
    expect((await getSubmission(c, s))?.status, 'left as it was').to.equal('queued');
    expect((await getSubmission(d, s))?.status).to.equal('rejected');
    const changes = messages.flatMap((m) => (m.type === 'submission-changed' ? [m.payload] : []));
    expect(changes).to.deep.equal([
      { id: a, status: 'sending' },
      {
        id: null,
        status: null,
        batch: [
          { id: b, status: 'sent' },
          { id: d, status: 'rejected' },
        ],
      },
    ]);
  });

  it('tells listeners when a submission changes', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(5);
    await putPhoto(photo, s);
    const payload = demoPayload([photo]);
    const seen: SubmissionChange[] = [];
    const off = onOutboxChange((c) => seen.push(c));
    await saveSubmission(payload, s);
    await updateSubmission(payload.id, (r) => ({ ...r, status: 'sent' }), s);
    await deleteSubmission(payload.id, s);
    off();
    expect(seen.filter((c) => c.id === payload.id).map((c) => c.status)).to.deep.equal([
      'queued',
      'sent',
      'deleted',
    ]);
  });

  it('leaves records it cannot read untouched and reports them', async () => {
    const s = testStores();
    await set('broken-1', { schema: 99, something: 'from a future version' }, s.submissions);
    await set('broken-2', 'not even an object', s.submissions);
    expect(await listSubmissions(s)).to.deep.equal([]);
    const unreadable = await unreadableSubmissions(s);
    expect(unreadable.map((u) => u.key).sort()).to.deep.equal(['broken-1', 'broken-2']);
    expect(await get('broken-1', s.submissions)).to.deep.equal({
      schema: 99,
      something: 'from a future version',
    });
  });

  it('reads a record that lacks fields added later, with safe defaults', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(6);
    const payload = demoPayload([photo]);
    await set(payload.id, { schema: 1, payload, status: 'queued' }, s.submissions);
    const rec = await getSubmission(payload.id, s);
    expect(rec?.attempts).to.equal(0);
    expect(rec?.nextAttemptAt).to.equal(0);
    expect(rec?.updatedAt).to.equal(payload.createdAt);
  });

  it('collects photos nothing refers to, but keeps young ones and those of drafts and submissions', async () => {
    const s = testStores();
    const [inSubmission, inDraft, orphan, young] = await Promise.all(
      [1, 2, 3, 4].map((n) => makeStoredPhoto(10 + n)),
    );
    for (const p of [inSubmission!, inDraft!, orphan!, young!]) await putPhoto(p, s);
    await saveSubmission(demoPayload([inSubmission!]), s);
    await putDraft(draftFor(crypto.randomUUID(), { photos: [inDraft!.sha256] }), s);
    // The orphan and the young photo were stored at about the same time; judge them an hour apart.
    const later = Date.now() + ORPHAN_GRACE_MS + 1000;
    await set(young!.sha256, { ...young!, addedAt: later - 1000 }, s.photos);

    const removed = await collectGarbage(s, later);
    expect(removed.photos).to.equal(1);
    expect((await photoHashes(s)).sort()).to.deep.equal(
      [inSubmission!.sha256, inDraft!.sha256, young!.sha256].sort(),
    );
  });

  it('keeps every photo while a record it cannot read might refer to them', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(40);
    await putPhoto(photo, s);
    await set('from-a-newer-version', { schema: 2, photos: [photo.sha256] }, s.submissions);
    const removed = await collectGarbage(s, Date.now() + ORPHAN_GRACE_MS + 1000);
    expect(removed.photos).to.equal(0);
    expect(await getPhoto(photo.sha256, s)).to.not.equal(undefined);
  });

  it('removes blank drafts a crash left behind once they are old, and keeps young ones and corrections', async () => {
    const s = testStores();
    const old = new Date(Date.now() - ORPHAN_GRACE_MS - 60_000).toISOString();
    const blank = { ...draftFor(crypto.randomUUID(), {}), updatedAt: old };
    const emptied = { ...draftFor(crypto.randomUUID(), { site: '', photos: [] }), updatedAt: old };
    const young = draftFor(crypto.randomUUID(), {});
    const correction = { ...draftFor(crypto.randomUUID(), {}), updatedAt: old, correcting: true };
    const started = { ...draftFor(crypto.randomUUID(), { site: 'site_001' }), updatedAt: old };
    for (const d of [blank, emptied, young, correction, started]) await putDraft(d, s);
    const removed = await collectGarbage(s);
    expect(removed.drafts).to.equal(2);
    expect((await listDrafts(s)).map((d) => d.id).sort()).to.deep.equal(
      [young.id, correction.id, started.id].sort(),
    );
  });

  it('removes a draft left behind by an interrupted save, but keeps a correction in progress', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(20);
    await putPhoto(photo, s);
    const saved = demoPayload([photo]);
    await saveSubmission(saved, s);
    await putDraft(draftFor(saved.id, saved.answers), s); // as if the crash came before the draft's deletion

    const rejected = demoPayload([photo]);
    await saveSubmission(rejected, s);
    await updateSubmission(rejected.id, (r) => ({ ...r, status: 'rejected' }), s);
    await openCorrection(rejected.id, s);

    const removed = await collectGarbage(s);
    expect(removed.drafts).to.equal(1);
    expect((await listDrafts(s)).map((d) => d.id)).to.deep.equal([rejected.id]);
  });

  it('re-opens a rejected submission as a correction draft and queues it again on save', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(21);
    await putPhoto(photo, s);
    const payload = demoPayload([photo]);
    await saveSubmission(payload, s);
    await updateSubmission(
      payload.id,
      (r) => ({ ...r, status: 'rejected', rejection: { error: 'validation_failed', message: 'No.' } }),
      s,
    );
    const draft = await openCorrection(payload.id, s);
    expect(draft.correcting).to.equal(true);
    expect(draft.answers).to.deep.equal(payload.answers);

    const fixed = { ...payload, answers: { ...payload.answers, people_served: 80 } };
    const again = await saveSubmission(fixed, s);
    expect(again.status).to.equal('queued');
    expect(again.rejection).to.equal(null);
    expect(await getDraft(payload.id, s)).to.equal(undefined);
  });

  it('gives every database the same device id, made once', async () => {
    const s = testStores();
    const [a, b] = await Promise.all([getDeviceId(s), getDeviceId(s)]);
    expect(a).to.match(/^[0-9a-f-]{36}$/);
    expect(b).to.equal(a);
  });

  describe('on a full disk', () => {
    it('refuses with a clear message, stores nothing half-way and leaves what was saved intact', async () => {
      const s = await fullDiskStores(200 * 1024);
      const small = await makeStoredPhoto(30);
      await putPhoto(small, s);
      const payload = demoPayload([small]);
      await saveSubmission(payload, s);

      // Fill the disk photo by photo until the browser refuses (it counts usage lazily).
      let error: unknown;
      let refused: StoredPhoto | undefined;
      for (let i = 0; i < 40 && !error; i++) {
        const big = { ...(await makeStoredPhoto(100 + i)), data: new Uint8Array(128 * 1024).fill(i).buffer };
        try {
          await putPhoto(big, s);
        } catch (e) {
          error = e;
          refused = big;
        }
      }
      expect(error).to.be.instanceOf(StorageFullError);
      expect((error as Error).message).to.contain('out of storage space');
      expect(await getPhoto(refused!.sha256, s)).to.equal(undefined);
      expect((await getSubmission(payload.id, s))?.payload).to.deep.equal(payload);
      expect(await getPhoto(small.sha256, s)).to.not.equal(undefined);
    });
  });
});
