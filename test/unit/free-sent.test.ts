// Freeing what the server already has: a phone's sent photos after some days, a kiosk's sent submissions.
import { expect, fixture, html } from '@open-wc/testing';
import { set } from 'idb-keyval';
import type { StoredPhoto } from '../../shared/outbox.js';
import { putDraft } from '../../src/core/drafts.js';
import { forgetSent, freeSentPhotos, getFreeSentPhotosAfterDays } from '../../src/core/free-sent.js';
import '../../src/elements/fs-free-sent-setting.js';
import type { FsFreeSentSetting } from '../../src/elements/fs-free-sent-setting.js';
import { deletePhotos, photoHashes, putPhoto } from '../../src/core/photos.js';
import type { Stores } from '../../src/core/stores.js';
import { listSubmissions, saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import { demoPayload, makeStoredPhoto, testStores } from '../support/fixtures.js';
import { describe, it } from '../support/mocha.js';
import { waitUntil } from '../support/wait-until.js';
import { byLabel, visibleText } from './form-support.js';

const DAY = 24 * 60 * 60 * 1000;

/** Saves a submission with these photos, then gives it the status (and, when sent, a receipt) at `at`. */
async function stored(
  s: Stores,
  photos: StoredPhoto[],
  status: 'queued' | 'sent' | 'rejected',
  at: number,
): Promise<string> {
  for (const p of photos) await putPhoto(p, s);
  const payload = demoPayload(photos);
  await saveSubmission(payload, s);
  await updateSubmission(
    payload.id,
    (r) => ({
      ...r,
      status,
      receipt: status === 'sent' ? { id: payload.id, receivedAt: new Date(at).toISOString(), seq: 1 } : null,
      updatedAt: new Date(at).toISOString(),
    }),
    s,
  );
  return payload.id;
}

describe('freeing sent submissions', () => {
  it("frees a phone's photos of submissions sent longer ago than chosen, and nothing still needed", async () => {
    const s = testStores();
    const now = Date.now();
    const [oldOnly, recent, shared, inDraft] = await Promise.all(
      [51, 52, 53, 54].map((n) => makeStoredPhoto(n)),
    );
    const old = await stored(s, [oldOnly!, shared!, inDraft!], 'sent', now - 31 * DAY);
    await stored(s, [recent!], 'sent', now - 2 * DAY);
    await stored(s, [shared!], 'queued', now - 40 * DAY);
    await putDraft(
      {
        schema: 1,
        id: crypto.randomUUID(),
        formId: 'water-point-inspection',
        formVersion: 1,
        answers: { photos: [inDraft!.sha256] },
        updatedAt: new Date(now).toISOString(),
        correcting: false,
      },
      s,
    );

    expect(await freeSentPhotos(30, s, now)).to.equal(1);
    expect((await photoHashes(s)).sort()).to.deep.equal(
      [recent!, shared!, inDraft!].map((p) => p.sha256).sort(),
    );
    // The records stay, for the outbox, the map and feedback.
    expect((await listSubmissions(s)).map((r) => r.payload.id)).to.include(old);
    expect(await listSubmissions(s)).to.have.length(3);
    expect(await freeSentPhotos(30, s, now)).to.equal(0);
  });

  it("deletes a kiosk's sent submissions with their photos, and keeps every unsent one whole", async () => {
    const s = testStores();
    const now = Date.now();
    const [a, b, c, d] = await Promise.all([61, 62, 63, 64].map((n) => makeStoredPhoto(n)));
    await stored(s, [a!], 'sent', now);
    await stored(s, [b!], 'sent', now);
    const queued = await stored(s, [c!], 'queued', now);
    const rejected = await stored(s, [d!], 'rejected', now);

    expect(await forgetSent(s)).to.equal(2);
    expect((await listSubmissions(s)).map((r) => r.payload.id).sort()).to.deep.equal(
      [queued, rejected].sort(),
    );
    expect((await photoHashes(s)).sort()).to.deep.equal([c!.sha256, d!.sha256].sort());
    expect(await forgetSent(s)).to.equal(0);
  });

  it('deletes a sent record whose photos an interrupted tidy-up already deleted', async () => {
    const s = testStores();
    const p = await makeStoredPhoto(72);
    await stored(s, [p], 'sent', Date.now());
    await deletePhotos([p.sha256], s);
    expect(await forgetSent(s)).to.equal(1);
    expect(await listSubmissions(s)).to.deep.equal([]);
  });

  it('frees nothing while a record this version cannot read might need any photo', async () => {
    const s = testStores();
    const p = await makeStoredPhoto(71);
    await stored(s, [p], 'sent', Date.now() - 100 * DAY);
    await set('from-a-newer-version', { schema: 99 }, s.submissions);
    expect(await freeSentPhotos(7, s)).to.equal(0);
    expect(await forgetSent(s)).to.equal(0);
    expect(await photoHashes(s)).to.deep.equal([p.sha256]);
  });

  it('lets a phone choose to free sent photos after some days, applied at once', async () => {
    const s = testStores();
    const p = await makeStoredPhoto(81);
    await stored(s, [p], 'sent', Date.now() - 8 * DAY);
    const el = await fixture<FsFreeSentSetting>(
      html`<fs-free-sent-setting .stores=${s}></fs-free-sent-setting>`,
    );
    const select = byLabel<HTMLSelectElement>(el, 'Free the photos of sent submissions');
    await waitUntil(() => !select.disabled, 'the setting read');
    expect(select.value).to.equal('never');
    await expect(el).to.be.accessible();
    select.value = '7';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => visibleText(el).includes('1 photo freed now'), 'applied');
    expect(await getFreeSentPhotosAfterDays(s)).to.equal(7);
    expect(await photoHashes(s)).to.deep.equal([]);
  });
});
