// A device hears what reviewers did to what it sent, against the real server, and the outbox shows it.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import { REQUEST_HEADER } from '../../shared/accounts.js';
import { signOut } from '../../src/accounts/accounts-api.js';
import { feedbackOf, fetchFeedback } from '../../src/core/feedback.js';
import { sendSubmission } from '../../src/core/sender.js';
import type { Stores } from '../../src/core/stores.js';
import { getDraft } from '../../src/core/drafts.js';
import { getSubmission } from '../../src/core/submissions.js';
import '../../src/elements/fs-form-view.js';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import '../../src/elements/fs-outbox.js';
import type { FsOutbox } from '../../src/elements/fs-outbox.js';
import { enrollThisBrowser, revokeThisBrowser } from '../support/enroll.js';
import { queueDemoSubmission, testStores } from '../support/fixtures.js';
import { after, before, describe, it } from '../support/mocha.js';
import { signedInAs, type Credentials } from '../support/signed-in.js';
import { button, loadReference, settled, visibleText } from './form-support.js';

let admin: Credentials;

before(async () => {
  await executeServerCommand('api-fault', {});
  await enrollThisBrowser();
  admin = (await executeServerCommand<Credentials, null>('admin-credentials', null))!;
  await signedInAs(admin);
});

after(async () => {
  await signOut();
});

/** As the signed-in administrator: a review of the submission. */
async function review(id: string, body: object): Promise<void> {
  const res = await fetch(`/api/submissions/${id}/reviews`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [REQUEST_HEADER]: '1' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`The review was refused: ${res.status} ${await res.text()}`);
}

/** Saves a submission on the device and sends it to the server; resolves to its id. */
async function sent(s: Stores, seed: number): Promise<string> {
  const id = await queueDemoSubmission(s, seed);
  const outcome = await sendSubmission(id, { stores: s });
  if (outcome.kind !== 'sent') throw new Error(`Not sent: ${JSON.stringify(outcome)}`);
  return id;
}

describe('feedback on sent submissions', () => {
  it('keeps the latest state and comment of each, applies each event once, and resumes after the last', async () => {
    const s = testStores();
    // Start after whatever other tests' reviews left: this device hears only what comes next.
    expect((await fetchFeedback(s)).kind).to.equal('ok');
    const first = await sent(s, 401);
    const second = await sent(s, 402);
    await review(first, { state: 'rejected', comment: 'The pump is not in the photo.' });
    await review(second, { state: 'approved' });
    await review(first, { comment: 'Take it from the other side.' });

    const outcome = await fetchFeedback(s);
    expect(outcome).to.deep.equal({ kind: 'ok', applied: 3 });
    const heard = await feedbackOf([first, second], s);
    expect(heard.get(first)).to.include({
      state: 'rejected',
      comment: 'Take it from the other side.',
      by: admin.username,
    });
    expect(heard.get(second)).to.include({ state: 'approved', comment: null });
    expect(await fetchFeedback(s)).to.deep.equal({ kind: 'ok', applied: 0 });

    // A later change with its own comment replaces the state and the comment.
    await review(first, { state: 'has_issues', comment: 'Only the flow rate is missing now.' });
    expect(await fetchFeedback(s)).to.deep.equal({ kind: 'ok', applied: 1 });
    expect((await feedbackOf([first], s)).get(first)).to.include({
      state: 'has_issues',
      comment: 'Only the flow rate is missing now.',
    });
  });

  it('still hears of what it sent after it was revoked and enrolled again', async () => {
    const s = testStores();
    await enrollThisBrowser({ fresh: true, stores: s });
    await fetchFeedback(s);
    const id = await sent(s, 405);
    await revokeThisBrowser();
    // Enrolled again with a new code: a new device to the server, the same installation.
    await enrollThisBrowser({ fresh: true, stores: s });
    await review(id, { state: 'rejected', comment: 'The tap number is missing.' });
    expect(await fetchFeedback(s)).to.deep.equal({ kind: 'ok', applied: 1 });
    expect((await feedbackOf([id], s)).get(id)).to.include({
      state: 'rejected',
      comment: 'The tap number is missing.',
    });
  });

  it('shows a returned submission in the outbox with the comment, as text', async () => {
    const s = testStores();
    await fetchFeedback(s);
    const id = await sent(s, 403);
    await review(id, { state: 'rejected', comment: 'Retake <img src=x onerror="window.__fb=1"> please.' });
    const el = await fixture<FsOutbox>(html`<fs-outbox .stores=${s}></fs-outbox>`);
    await waitUntil(() => el.items !== null, 'the outbox');
    // The outbox hears the news as soon as the device does.
    await fetchFeedback(s);
    await waitUntil(() => visibleText(el).includes('Returned (rejected):'), 'the returned submission');
    expect(visibleText(el)).to.contain('Retake <img src=x onerror="window.__fb=1"> please.');
    expect(el.shadowRoot!.querySelector('.returned img')).to.equal(null);
    expect((window as unknown as { __fb?: number }).__fb).to.equal(undefined);
    await expect(el).to.be.accessible();
  });

  it('fixes a returned submission as a new one linked to it, sent once, which the reviewer finds beside it', async () => {
    const s = testStores();
    await fetchFeedback(s);
    const original = await sent(s, 404);
    await review(original, { state: 'has_issues', comment: 'Count the people served again.' });
    await fetchFeedback(s);
    const outbox = await fixture<FsOutbox>(html`<fs-outbox .stores=${s}></fs-outbox>`);
    await waitUntil(() => visibleText(outbox).includes('Count the people served again.'), 'returned');

    const navigated = oneEvent(outbox, 'fs-navigate');
    button(
      outbox,
      `Fix ${'water-point-inspection'} saved ${new Date((await getSubmission(original, s))!.payload.createdAt).toLocaleString()}`,
    ).click();
    const path = ((await navigated) as CustomEvent<{ path: string }>).detail.path;
    const draftId = path.split('/').pop()!;
    const draft = (await getDraft(draftId, s))!;
    expect(draft.correctionOf).to.equal(original);
    expect(draftId).to.not.equal(original);

    const view = await fixture<FsFormView>(
      html`<fs-form-view
        .reference=${await loadReference()}
        .stores=${s}
        draft-id=${draftId}
      ></fs-form-view>`,
    );
    await waitUntil(() => visibleText(view).includes('Correct a returned submission'), 'the banner');
    // What the reviewer said is read from the device's feedback after the draft.
    await waitUntil(
      () => visibleText(view).includes(`${admin.username} asks: Count the people served again.`),
      "the reviewer's words",
    );
    // A form is drawn a few questions a task: Save comes with the last of them.
    await settled(view);
    const saved = oneEvent(view, 'submission-saved');
    button(view, 'Save').click();
    const { id } = ((await saved) as CustomEvent<{ id: string }>).detail;
    expect((await getSubmission(id, s))!.payload.correctionOf).to.equal(original);
    expect((await sendSubmission(id, { stores: s })).kind).to.equal('sent');
    // The original stays on the device as it was, and says a correction is on its way.
    expect((await getSubmission(original, s))!.payload.correctionOf).to.equal(undefined);
    await waitUntil(() => visibleText(outbox).includes('Your correction is saved'), 'the correction noted');

    const listed = await fetch(`/api/review/submissions?correctionOf=${original}`);
    const page = (await listed.json()) as { items: { submission: { id: string } }[] };
    expect(page.items.map((i) => i.submission.id)).to.deep.equal([id]);
  });
});
