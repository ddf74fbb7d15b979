import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { getDraft } from '../../src/core/drafts.js';
import { putPhoto } from '../../src/core/photos.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission, saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import '../../src/elements/fs-outbox.js';
import type { FsOutbox } from '../../src/elements/fs-outbox.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import { demoPayload, makeStoredPhoto, testStores } from '../support/fixtures.js';
import { beforeEach, describe, it } from '../support/mocha.js';
import { button, deepAll, visibleText } from './form-support.js';

const reference: ReferenceData = {
  forms: [
    {
      id: 'water-point-inspection',
      version: 1,
      title: 'Water point inspection',
      fields: [{ name: 'people_served', type: 'integer', label: 'People served' }],
    },
  ],
  lists: {},
};

let seed = 5000;
async function saved(s: Stores, createdAt: string): Promise<SubmissionPayload> {
  const photo = await makeStoredPhoto(seed++);
  await putPhoto(photo, s);
  const payload = { ...demoPayload([photo]), createdAt };
  await saveSubmission(payload, s);
  return payload;
}

function items(el: FsOutbox): HTMLElement[] {
  return deepAll<HTMLElement>(el, 'li[data-id]');
}

describe('fs-outbox', () => {
  let s: Stores;
  beforeEach(() => {
    s = testStores();
  });

  async function outbox(): Promise<FsOutbox> {
    const el = await fixture<FsOutbox>(html`<fs-outbox .stores=${s} .reference=${reference}></fs-outbox>`);
    await waitUntil(() => el.items !== null, 'the outbox loaded');
    return el;
  }

  it('lists every submission newest first with its status in words', async () => {
    const older = await saved(s, '2026-03-01T08:00:00.000Z');
    const newer = await saved(s, '2026-03-02T08:00:00.000Z');
    await updateSubmission(
      older.id,
      (r) => ({
        ...r,
        status: 'sent',
        receipt: { id: older.id, receivedAt: '2026-03-01T09:00:00.000Z', seq: 7 },
      }),
      s,
    );
    const el = await outbox();
    const list = items(el);
    expect(list.map((li) => li.dataset.id)).to.deep.equal([newer.id, older.id]);
    expect(visibleText(list[0]!)).to.contain('Water point inspection').and.contain('Queued');
    expect(visibleText(list[1]!)).to.contain('Sent').and.contain('no. 7');
    expect(visibleText(el)).to.contain('1 submission not yet sent');
  });

  it('brings the submission it was opened for into view and focus', async () => {
    const older = await saved(s, '2026-03-01T08:00:00.000Z');
    await saved(s, '2026-03-02T08:00:00.000Z');
    const el = await fixture<FsOutbox>(
      html`<fs-outbox .stores=${s} .reference=${reference} focus-id=${older.id}></fs-outbox>`,
    );
    const focused = () => el.shadowRoot!.activeElement;
    await waitUntil(() => focused() !== null, 'a heading takes focus');
    expect(focused()!.closest('li')!.dataset.id).to.equal(older.id);
    expect(focused()!.closest('li')!.classList.contains('focused'), 'marked for the eye too').to.equal(true);
  });

  it("updates a submission's status as it changes, without a reload", async () => {
    const p = await saved(s, '2026-03-01T08:00:00.000Z');
    const el = await outbox();
    expect(visibleText(items(el)[0]!)).to.contain('Queued');
    await updateSubmission(
      p.id,
      (r) => ({ ...r, status: 'sent', receipt: { id: p.id, receivedAt: new Date().toISOString(), seq: 1 } }),
      s,
    );
    await waitUntil(() => visibleText(items(el)[0]!).includes('Sent'), 'the item shows Sent');
    expect(visibleText(el)).to.contain('Everything saved here has reached the server');
  });

  it("shows the server's reasons for a rejection and opens a correction draft on Fix", async () => {
    const p = await saved(s, '2026-03-01T08:00:00.000Z');
    await updateSubmission(
      p.id,
      (r) => ({
        ...r,
        status: 'rejected',
        rejection: {
          error: 'validation_failed',
          message: 'Some answers are not valid.',
          field: 'people_served',
          problems: [{ field: 'people_served', message: 'People served cannot be negative.' }],
        },
      }),
      s,
    );
    const el = await outbox();
    const text = visibleText(items(el)[0]!);
    expect(text).to.contain('Rejected').and.contain('Fix these answers');
    expect(text, 'the question by its label').to.contain('People served: People served cannot be negative.');
    const fix = deepAll<HTMLButtonElement>(el, 'button').find((b) => b.textContent?.trim() === 'Fix');
    expect(fix, 'a Fix button').to.not.equal(undefined);
    const navigated = oneEvent(el, 'fs-navigate');
    fix!.click();
    const nav = (await navigated) as CustomEvent<{ path: string }>;
    expect(nav.detail.path).to.equal(`/drafts/${p.id}`);
    const draft = await getDraft(p.id, s);
    expect(draft?.correcting).to.equal(true);
    expect(draft?.answers).to.deep.equal(p.answers);
  });

  it('queues a rejected submission again on "Send again", and says plainly that deleting it loses it', async () => {
    const p = await saved(s, '2026-03-01T08:00:00.000Z');
    await updateSubmission(
      p.id,
      (r) => ({
        ...r,
        status: 'rejected',
        attempts: 3,
        rejection: { error: 'payload_too_large', message: 'The photo is larger than the server accepts.' },
      }),
      s,
    );
    const el = await outbox();
    button(el, 'Delete Water point inspection saved ' + new Date(p.createdAt).toLocaleString()).click();
    await waitUntil(() => el.shadowRoot!.querySelector('dialog')?.open === true, 'the confirmation opens');
    expect(visibleText(el.shadowRoot!.querySelector('dialog')!)).to.contain(
      'The server never received this submission: it refused it.',
    );
    button(el, 'Keep it').click();

    const asked = oneEvent(el, 'send-now');
    button(el, 'Send again Water point inspection saved ' + new Date(p.createdAt).toLocaleString()).click();
    await asked;
    const rec = await getSubmission(p.id, s);
    expect(rec).to.include({ status: 'queued', attempts: 0, rejection: null });
  });

  it('deletes a submission only after the user confirms, warning when it is unsent', async () => {
    const p = await saved(s, '2026-03-01T08:00:00.000Z');
    const el = await outbox();
    const del = deepAll<HTMLButtonElement>(el, 'button').find((b) => b.textContent?.trim() === 'Delete');
    del!.click();
    await waitUntil(() => el.shadowRoot!.querySelector('dialog')?.open === true, 'the confirmation opens');
    expect(visibleText(el.shadowRoot!.querySelector('dialog')!)).to.contain(
      'The server has never received this submission',
    );

    button(el, 'Keep it').click();
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('dialog')?.open).to.equal(false);
    expect(await getSubmission(p.id, s)).to.not.equal(undefined);

    del!.click();
    await waitUntil(
      () => el.shadowRoot!.querySelector('dialog')?.open === true,
      'the confirmation opens again',
    );
    deepAll<HTMLButtonElement>(el.shadowRoot!.querySelector('dialog')!, 'button')
      .find((b) => b.textContent?.trim() === 'Delete')!
      .click();
    await waitUntil(() => items(el).length === 0, 'the item is gone');
    expect(await getSubmission(p.id, s)).to.equal(undefined);
  });

  it('asks the app to send everything when "Send now" is pressed', async () => {
    await saved(s, '2026-03-01T08:00:00.000Z');
    const el = await outbox();
    const asked = oneEvent(el, 'send-now');
    button(el, 'Send now').click();
    const ev = await asked;
    expect(ev.composed).to.equal(true);
  });

  it('says there is no network as soon as the app goes offline', async () => {
    await saved(s, '2026-03-01T08:00:00.000Z');
    const el = await outbox();
    el.online = false;
    await el.updateComplete;
    expect(visibleText(el)).to.contain('1 submission not yet sent. This device has no network');
  });

  it('shows sending progress, submission n of m and photo bytes', async () => {
    const p = await saved(s, '2026-03-01T08:00:00.000Z');
    const el = await outbox();
    el.sync = {
      path: null,
      nextCheckAt: null,
      sender: {
        running: true,
        index: 1,
        total: 3,
        progress: { id: p.id, photosDone: 1, photosTotal: 2, bytesDone: 2048, bytesTotal: 4096 },
        nextAttemptAt: null,
        lastRunAt: null,
        unreachable: false,
        notEnrolled: false,
      },
    };
    await el.updateComplete;
    expect(visibleText(el)).to.contain('Sending submission 1 of 3, photos 1 of 2 (2.0 kB of 4.0 kB)');
    const bar = deepAll<HTMLProgressElement>(el, 'progress')[0];
    expect(bar?.value).to.equal(2048);
    expect(bar?.max).to.equal(4096);
  });
});
