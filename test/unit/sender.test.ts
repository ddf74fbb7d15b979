// The sending module against the real server, with faults injected between them.
import { expect } from '@open-wc/testing';
import { before, beforeEach, describe, it } from '../support/mocha.js';
import { executeServerCommand } from '@web/test-runner-commands';
import { backoffDelay, BACKOFF_CAP_MS, WAITING_AFTER_ATTEMPTS } from '../../src/core/backoff.js';
import { putPhoto } from '../../src/core/photos.js';
import { DRAIN_CONCURRENCY, drainOutbox } from '../../src/core/drain.js';
import { apiInit } from '../../src/core/api-request.js';
import { sendSubmission, type SendProgress } from '../../src/core/sender.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission, saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import type { StoredPhoto } from '../../shared/outbox.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import { demoPayload, makeStoredPhoto, testStores } from '../support/fixtures.js';
import {
  enrollThisBrowser,
  serverPhotoSha256,
  serverSubmission,
  serverSubmissions,
} from '../support/enroll.js';

let seed = 1000;

async function queued(
  s: Stores,
  photoCount = 2,
  overrides = {},
): Promise<{ payload: SubmissionPayload; photos: StoredPhoto[] }> {
  const photos = await Promise.all(Array.from({ length: photoCount }, () => makeStoredPhoto(seed++)));
  for (const p of photos) await putPhoto(p, s);
  const payload = demoPayload(photos, overrides);
  await saveSubmission(payload, s);
  return { payload, photos };
}

async function requests(): Promise<string[]> {
  return (await executeServerCommand<string[], { reset: boolean }>('api-requests', { reset: true })) ?? [];
}

const onServer = serverSubmission;

/** As after an earlier try that failed: the next one starts with the record. */
async function laterTry(id: string, s: Stores): Promise<void> {
  await updateSubmission(id, (r) => ({ ...r, attempts: 1 }), s);
}

/** The network to a server of a version without bundles: their address finds nothing there. */
const withoutBundles: typeof fetch = (input, init) =>
  fetch(String(input).replace(/\/bundle$/, '/bundle-unknown'), init);

before(async () => {
  await enrollThisBrowser();
});

describe('sending a submission', () => {
  beforeEach(async () => {
    await executeServerCommand('api-fault', {});
    await executeServerCommand('server-start');
    await requests();
  });

  it('sends a new submission and its photos in one request, and keeps the receipt', async () => {
    const s = testStores();
    const { payload, photos } = await queued(s, 2);
    const progress: SendProgress[] = [];
    const outcome = await sendSubmission(payload.id, { stores: s, onProgress: (p) => progress.push(p) });

    expect(outcome.kind).to.equal('sent');
    const rec = await getSubmission(payload.id, s);
    expect(rec?.status).to.equal('sent');
    expect(rec?.receipt?.id).to.equal(payload.id);
    const stored = await onServer(payload.id);
    expect(stored?.receipt).to.deep.equal(rec?.receipt);
    for (const p of photos) {
      expect(await serverPhotoSha256(p.sha256), 'the server holds the very same bytes').to.equal(p.sha256);
    }
    const log = await requests();
    expect(log.filter((r) => r.startsWith('PUT /api/'))).to.deep.equal([
      `PUT /api/submissions/${payload.id}/bundle`,
    ]);
    expect(progress.at(-1)).to.include({ photosDone: 2, photosTotal: 2 });
    expect(progress.at(-1)?.bytesDone).to.equal(photos.reduce((n, p) => n + p.data.byteLength, 0));
  });

  it('on a later try sends the record first, then only the photos the server lacks', async () => {
    const s = testStores();
    const { payload, photos } = await queued(s, 2);
    // An earlier try delivered the first photo, then failed.
    const [first, second] = photos;
    const put = await fetch(
      `/api/photos/${first?.sha256}`,
      apiInit({ method: 'PUT', headers: { 'Content-Type': 'image/jpeg' }, body: first?.data }),
    );
    expect(put.status).to.equal(201);
    await laterTry(payload.id, s);
    await requests();
    const outcome = await sendSubmission(payload.id, { stores: s });
    expect(outcome.kind).to.equal('sent');
    const log = await requests();
    expect(log.filter((r) => r.startsWith('PUT /api/'))).to.deep.equal([
      `PUT /api/submissions/${payload.id}`,
      `PUT /api/photos/${second?.sha256}`,
      `PUT /api/submissions/${payload.id}`,
    ]);
  });

  it('sends photo by photo, then the record, to a server that takes no bundles', async () => {
    const s = testStores();
    const { payload, photos } = await queued(s, 2);
    const outcome = await sendSubmission(payload.id, { stores: s, fetch: withoutBundles });
    expect(outcome.kind).to.equal('sent');
    const log = await requests();
    expect(log.filter((r) => r.startsWith('PUT /api/'))).to.deep.equal([
      `PUT /api/submissions/${payload.id}/bundle-unknown`,
      ...photos.map((p) => `PUT /api/photos/${p.sha256}`),
      `PUT /api/submissions/${payload.id}`,
    ]);
    expect((await onServer(payload.id))?.receipt).to.deep.equal(
      (await getSubmission(payload.id, s))?.receipt,
    );
  });

  it('sends a bundle damaged on the way again photo by photo, and delivers it whole', async () => {
    const s = testStores();
    const { payload, photos } = await queued(s, 1);
    await executeServerCommand('api-fault', { flipPhotoBytes: 1 });
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('sent');
    const photo = photos[0]!;
    const log = await requests();
    expect(log.filter((r) => r.startsWith('PUT /api/'))).to.deep.equal([
      `PUT /api/submissions/${payload.id}/bundle`,
      `PUT /api/photos/${photo.sha256}`,
      `PUT /api/submissions/${payload.id}`,
    ]);
    expect(await serverPhotoSha256(photo.sha256)).to.equal(photo.sha256);
  });

  it('does nothing for a submission already sent', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await sendSubmission(payload.id, { stores: s });
    await requests();
    const again = await sendSubmission(payload.id, { stores: s });
    expect(again).to.deep.equal({ kind: 'skipped', reason: 'done' });
    expect(await requests()).to.deep.equal([]);
  });

  it('keeps the submission queued with a backoff when the server cannot be reached', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await executeServerCommand('api-fault', { down: true });
    const before = Date.now();
    const outcome = await sendSubmission(payload.id, { stores: s });
    expect(outcome.kind).to.equal('retry');
    const rec = await getSubmission(payload.id, s);
    expect(rec?.status).to.equal('queued');
    expect(rec?.attempts).to.equal(1);
    expect(rec?.lastError).to.contain('server did not answer');
    expect(rec?.nextAttemptAt).to.be.greaterThan(before);
  });

  it('becomes "waiting" after many failures and is still sent when the server is back', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await executeServerCommand('server-stop');
    for (let i = 0; i < WAITING_AFTER_ATTEMPTS; i++) await sendSubmission(payload.id, { stores: s });
    expect((await getSubmission(payload.id, s))?.status).to.equal('waiting');
    await executeServerCommand('server-start');
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('sent');
  });

  it('retries through 503s and arrives exactly once', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await executeServerCommand('api-fault', { status: 503, count: 2 });
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('retry');
    expect((await getSubmission(payload.id, s))?.lastError).to.contain('503');
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('retry');
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('sent');
    expect((await serverSubmissions()).filter((i) => i.id === payload.id)).to.have.length(1);
  });

  it('gets the original receipt when the answer to a delivered submission was lost', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await executeServerCommand('api-fault', { dropAcks: true });
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('retry');
    await executeServerCommand('api-fault', {});
    const held = await onServer(payload.id);
    expect(held, 'the server stored it although the device never heard').to.not.equal(null);
    await requests();

    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('sent');
    expect((await getSubmission(payload.id, s))?.receipt).to.deep.equal(held?.receipt);
    expect(await requests(), 'photos are not sent again').to.deep.equal([
      `PUT /api/submissions/${payload.id}`,
    ]);
  });

  it("marks a submission the server refuses as rejected, with the server's message", async () => {
    const s = testStores();
    const { payload } = await queued(s, 1, { people_served: -5 });
    const outcome = await sendSubmission(payload.id, { stores: s });
    expect(outcome.kind).to.equal('rejected');
    const rec = await getSubmission(payload.id, s);
    expect(rec?.status).to.equal('rejected');
    expect(rec?.rejection?.error).to.equal('validation_failed');
    expect(rec?.rejection?.field).to.equal('people_served');
    expect(rec?.rejection?.message).to.be.a('string').and.not.equal('');
    expect(await onServer(payload.id)).to.equal(null);
    // A rejected submission is not sent again until it is corrected.
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('skipped');
  });

  it('sends a photo damaged on the way again at once and delivers the submission', async () => {
    const s = testStores();
    const { payload, photos } = await queued(s, 1);
    await laterTry(payload.id, s);
    await executeServerCommand('api-fault', { flipPhotoBytes: 1 });
    const outcome = await sendSubmission(payload.id, { stores: s });
    expect(outcome.kind).to.equal('sent');
    const photo = photos[0]!;
    const log = await requests();
    expect(log.filter((r) => r === `PUT /api/photos/${photo.sha256}`)).to.have.length(2);
    expect(await serverPhotoSha256(photo.sha256)).to.equal(photo.sha256);
  });

  it('keeps trying a photo that keeps arriving damaged, without rejecting the submission', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await executeServerCommand('api-fault', { flipPhotoBytes: 10 });
    const outcome = await sendSubmission(payload.id, { stores: s });
    expect(outcome.kind).to.equal('retry');
    const rec = await getSubmission(payload.id, s);
    expect(rec?.status).to.equal('queued');
    expect(rec?.lastError).to.contain('damaged on the way');
    await executeServerCommand('api-fault', {});
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('sent');
  });

  it('rejects, naming the field, a photo whose bytes on this device no longer match their hash', async () => {
    const s = testStores();
    const { payload, photos } = await queued(s, 1);
    const photo = photos[0]!;
    const damaged = new Uint8Array(photo.data.slice(0));
    damaged[damaged.length >> 1]! ^= 0x40;
    await putPhoto({ ...photo, data: damaged.buffer }, s);
    const outcome = await sendSubmission(payload.id, { stores: s });
    expect(outcome.kind).to.equal('rejected');
    const rec = await getSubmission(payload.id, s);
    expect(rec?.rejection?.error).to.equal('hash_mismatch');
    expect(rec?.rejection?.field).to.equal('photos');
    expect(rec?.rejection?.message).to.contain('damaged on this device');
  });

  it('keeps a submission queued when a refusal arrives cut off, and rejects it once it arrives whole', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1, { people_served: -5 });
    await laterTry(payload.id, s);
    await executeServerCommand('api-fault', { cutErrorBodies: 1 });
    const first = await sendSubmission(payload.id, { stores: s });
    expect(first.kind, 'half an answer says nothing').to.equal('retry');
    expect((await getSubmission(payload.id, s))?.status).to.equal('queued');
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('rejected');
    expect((await getSubmission(payload.id, s))?.rejection?.field).to.equal('people_served');
  });

  it('keeps a submission queued when a proxy answers 4xx with its own page', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await laterTry(payload.id, s);
    await executeServerCommand('api-fault', { status: 409, count: 1, html: true });
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('retry');
    const rec = await getSubmission(payload.id, s);
    expect(rec?.status).to.equal('queued');
    expect(rec?.lastError).to.contain('HTTP 409');
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('sent');
  });

  it('stops sending a photo refused as too large and says what to do', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await laterTry(payload.id, s);
    await executeServerCommand('api-fault', {
      status: 413,
      count: 1,
      html: true,
      statusPath: '/api/photos/',
    });
    const outcome = await sendSubmission(payload.id, { stores: s });
    expect(outcome.kind).to.equal('rejected');
    const rec = await getSubmission(payload.id, s);
    expect(rec?.rejection?.error).to.equal('payload_too_large');
    expect(rec?.rejection?.field).to.equal('photos');
    expect(rec?.rejection?.message).to.contain('smaller');
  });

  it('waits for another sender holding the submission, then finds it sent', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    const first = sendSubmission(payload.id, { stores: s });
    const second = sendSubmission(payload.id, { stores: s, waitIfBusy: AbortSignal.timeout(60_000) });
    expect((await first).kind).to.equal('sent');
    expect(await second).to.deep.equal({ kind: 'skipped', reason: 'done' });
  });

  it('never sends one submission from two senders at once', async () => {
    const s = testStores();
    const { payload } = await queued(s, 3);
    const [a, b] = await Promise.all([
      sendSubmission(payload.id, { stores: s }),
      sendSubmission(payload.id, { stores: s }),
    ]);
    expect([a.kind, b.kind].sort()).to.deep.equal(['sent', 'skipped']);
    const log = await requests();
    expect(log.filter((r) => r.startsWith('PUT /api/photos/'))).to.deep.equal([]);
    expect(
      log.filter((r) => r.endsWith('/bundle')),
      'the photos went once, in one bundle',
    ).to.deep.equal([`PUT /api/submissions/${payload.id}/bundle`]);
  });

  it('picks up a submission left "sending" by a sender that died', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await updateSubmission(payload.id, (r) => ({ ...r, status: 'sending' }), s);
    expect((await sendSubmission(payload.id, { stores: s })).kind).to.equal('sent');
  });
});

describe('draining the outbox', () => {
  beforeEach(async () => {
    await executeServerCommand('api-fault', {});
    await executeServerCommand('server-start');
    await requests();
  });

  it('sends every due submission, oldest first, reporting n of m', async () => {
    const s = testStores();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const photo = await makeStoredPhoto(seed++);
      await putPhoto(photo, s);
      const payload = {
        ...demoPayload([photo]),
        createdAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      };
      await saveSubmission(payload, s);
      ids.push(payload.id);
    }
    const seen: string[] = [];
    const result = await drainOutbox({ stores: s, onSubmission: (i, n, id) => seen.push(`${i}/${n} ${id}`) });
    expect(result).to.deep.equal({
      sent: 3,
      rejected: 0,
      failed: 0,
      forbidden: 0,
      nextAttemptAt: null,
      unreachable: false,
      notEnrolled: false,
    });
    expect(seen).to.deep.equal(ids.map((id, i) => `${i + 1}/3 ${id}`));
  });

  it('stops at the first failure and leaves the rest for the same backoff', async () => {
    const s = testStores();
    const first = await queued(s, 1, {});
    await updateSubmission(
      first.payload.id,
      (r) => ({ ...r, payload: { ...r.payload, createdAt: '2026-01-01T00:00:00.000Z' } }),
      s,
    );
    const second = await queued(s, 1);
    await executeServerCommand('api-fault', { down: true });
    const result = await drainOutbox({ stores: s });
    expect(result.failed).to.equal(1);
    expect(result.sent).to.equal(0);
    expect(result.nextAttemptAt).to.equal((await getSubmission(first.payload.id, s))?.nextAttemptAt);
    expect(result.nextAttemptAt).to.be.greaterThan(Date.now());
    expect((await getSubmission(first.payload.id, s))?.attempts).to.equal(1);
    expect((await getSubmission(second.payload.id, s))?.attempts, 'the rest were not tried').to.equal(0);
  });

  it('sends the oldest alone, then several at once, each exactly once', async () => {
    const s = testStores();
    const ids: string[] = [];
    for (let i = 0; i < DRAIN_CONCURRENCY + 2; i++) {
      const photo = await makeStoredPhoto(seed++);
      await putPhoto(photo, s);
      const payload = {
        ...demoPayload([photo]),
        createdAt: new Date(Date.UTC(2026, 1, 1 + i)).toISOString(),
      };
      await saveSubmission(payload, s);
      ids.push(payload.id);
    }
    const oldest = ids[0] ?? '';
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    let released = (): void => undefined;
    const twoInFlight = new Promise<void>((resolve) => (released = resolve));
    const record = new Map<string, string>();
    // Every request after the oldest's waits until two are under way: if the drain sent one at a time, it would never go on.
    const network: typeof fetch = async (input, init) => {
      const url = String(input);
      const id = /\/api\/submissions\/([^/]+)/.exec(url)?.[1] ?? '';
      const owner = id || [...record.entries()].find(([, h]) => url.endsWith(h))?.[0] || 'photo';
      events.push(`start ${owner === oldest ? 'oldest' : 'other'}`);
      inFlight++;
      most = Math.max(most, inFlight);
      if (inFlight >= 2) released();
      try {
        if (owner !== oldest) await twoInFlight;
        return await fetch(input, init);
      } finally {
        inFlight--;
        events.push(`end ${owner === oldest ? 'oldest' : 'other'}`);
      }
    };
    for (const id of ids) {
      const rec = await getSubmission(id, s);
      record.set(id, rec?.payload.photos[0]?.sha256 ?? '');
    }
    const result = await drainOutbox({ stores: s, fetch: network });
    expect(result.sent).to.equal(ids.length);
    const firstOther = events.indexOf('start other');
    expect(events.slice(0, firstOther), "the oldest's bundle, alone").to.deep.equal([
      'start oldest',
      'end oldest',
    ]);
    expect(most).to.be.within(2, DRAIN_CONCURRENCY);
    const held = (await serverSubmissions()).map((x) => x.id);
    for (const id of ids)
      expect(
        held.filter((h) => h === id),
        id,
      ).to.have.length(1);
  });

  it('leaves a submission alone until its backoff has passed, unless forced', async () => {
    const s = testStores();
    const { payload } = await queued(s, 1);
    await updateSubmission(payload.id, (r) => ({ ...r, nextAttemptAt: Date.now() + 60_000 }), s);
    expect((await drainOutbox({ stores: s })).sent).to.equal(0);
    expect((await drainOutbox({ stores: s, force: true })).sent).to.equal(1);
  });
});

describe('backoff', () => {
  it('doubles from 2 s, stays within half to full of the step, and is capped at 5 minutes', () => {
    expect(backoffDelay(1, () => 0)).to.equal(1000);
    expect(backoffDelay(1, () => 1)).to.equal(2000);
    expect(backoffDelay(3, () => 1)).to.equal(8000);
    expect(backoffDelay(30, () => 1)).to.equal(BACKOFF_CAP_MS);
    expect(backoffDelay(30, () => 0)).to.equal(BACKOFF_CAP_MS / 2);
  });
});
