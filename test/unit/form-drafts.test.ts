import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { waitUntil } from '../support/wait-until.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { Draft } from '../../shared/outbox.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import { openCorrection } from '../../src/core/corrections.js';
import { getDraft, putDraft } from '../../src/core/drafts.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission, saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import '../../src/elements/fs-form-view.js';
import { testStores } from '../support/fixtures.js';
import { makeJpeg } from '../support/make-jpeg.js';
import {
  button,
  byLabel,
  chooseFiles,
  deepAll,
  loadReference,
  messageOf,
  nextDraftSave,
  openNewForm,
  question,
  settled,
  tabAway,
  typeInto,
  visibleText,
} from './form-support.js';
import { before, beforeEach, describe, it } from '../support/mocha.js';

let reference: ReferenceData;
let stores: Stores;

before(async () => {
  reference = await loadReference();
});

beforeEach(() => {
  stores = testStores();
});

function draftOf(answers: Draft['answers'], formVersion = 2): Draft {
  return {
    schema: 1,
    id: crypto.randomUUID(),
    formId: 'all-kinds',
    formVersion,
    answers,
    updatedAt: new Date().toISOString(),
    correcting: false,
  };
}

/** Opens a stored draft as the route /drafts/:id does, and waits until it is shown. */
async function openDraft(id: string): Promise<FsFormView> {
  const view = await fixture<FsFormView>(
    html`<fs-form-view .reference=${reference} .stores=${stores} draft-id=${id}></fs-form-view>`,
  );
  await waitUntil(() => view.shadowRoot?.querySelector('h1, .banner'), 'the draft did not open');
  await settled(view);
  return view;
}

function dialogButton(view: Element, name: string): HTMLButtonElement {
  const found = deepAll<HTMLButtonElement>(view, 'dialog button').find((b) => b.textContent?.trim() === name);
  if (!found) throw new Error(`No dialog button "${name}"`);
  return found;
}

describe('fs-form-view: drafts', () => {
  it('stores a new form as a draft at once and moves to its address', async () => {
    const navigated = oneEvent(document, 'fs-navigate');
    await fixture(
      html`<fs-form-view .reference=${reference} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
    );
    const { detail } = (await navigated) as CustomEvent<{ path: string; replace: boolean }>;
    expect(detail.replace).to.equal(true);
    const id = detail.path.replace('/drafts/', '');
    expect(detail.path).to.equal(`/drafts/${id}`);
    const draft = await getDraft(id, stores);
    // The newest version of the form.
    expect(draft).to.include({ formId: 'all-kinds', formVersion: 2, correcting: false });
  });

  it('keeps every answer, photos included, when the page is reloaded', async function () {
    this.timeout(20000);
    const { view, draftId } = await openNewForm(
      fixture,
      html`<fs-form-view .reference=${reference} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
    );
    await typeInto(byLabel(view, 'Name'), 'Rita');
    await typeInto(byLabel(view, 'Pumps'), 'two');
    await tabAway();
    byLabel(view, 'Dry').click();
    const photoAdded = oneEvent(question(view, 'pictures'), 'answer-change');
    chooseFiles(byLabel(view, 'Take or choose photos'), [
      new File([await makeJpeg({ width: 300, height: 200 })], 'a.jpg', { type: 'image/jpeg' }),
    ]);
    await photoAdded;
    await typeInto(byLabel(view, 'Story'), 'More');
    // A reload: the element goes away (its pending edits are written) and a new one opens the draft.
    const written = nextDraftSave(view);
    view.remove();
    await written;

    const again = await openDraft(draftId);
    expect(byLabel(again, 'Name').value).to.equal('Rita');
    expect(byLabel(again, 'Story').value).to.equal('More');
    expect(byLabel(again, 'Pumps').value).to.equal('two');
    expect(messageOf(again, 'pumps')).to.equal('Enter a number.');
    expect(byLabel(again, 'Dry').checked).to.equal(true);
    await waitUntil(() => deepAll<HTMLImageElement>(question(again, 'pictures'), 'img').length === 1);
    const [img] = deepAll<HTMLImageElement>(question(again, 'pictures'), 'img');
    expect(img?.alt).to.equal('Photo 1');
    expect(img?.src).to.match(/^blob:/);
    await img?.decode();
    expect(img?.naturalWidth).to.be.greaterThan(0);
  });

  it('writes pending edits when the page is hidden', async () => {
    const { view, draftId } = await openNewForm(
      fixture,
      html`<fs-form-view .reference=${reference} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
    );
    await typeInto(byLabel(view, 'Name'), 'Ann');
    const written = nextDraftSave(view);
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    await written;
    expect((await getDraft(draftId, stores))?.answers).to.deep.equal({ name: 'Ann' });
  });

  it('writes pending edits before it moves on to another draft', async () => {
    const first = draftOf({ name: 'Rita' });
    const second = draftOf({ name: 'Ann' });
    await putDraft(first, stores);
    await putDraft(second, stores);
    const view = await openDraft(first.id);
    await typeInto(byLabel(view, 'Story'), 'Late');
    const written = nextDraftSave(view);
    view.draftId = second.id;
    expect((await written).detail.id).to.equal(first.id);
    expect((await getDraft(first.id, stores))?.answers).to.deep.equal({ name: 'Rita', story: 'Late' });
    await waitUntil(() => byLabel(view, 'Name').value === 'Ann', 'the second draft did not open');
    expect(byLabel(view, 'Story').value).to.equal('');
  });

  it('goes on editing a new draft at its address, and drops it if left empty there', async () => {
    const navigated = oneEvent(document, 'fs-navigate');
    const view = await fixture<FsFormView>(
      html`<fs-form-view .reference=${reference} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
    );
    const { detail } = (await navigated) as CustomEvent<{ path: string }>;
    const id = detail.path.replace('/drafts/', '');
    // As the app's screen does: the same element, now at the draft's address.
    view.removeAttribute('form-id');
    view.setAttribute('draft-id', id);
    await view.updateComplete;
    await typeInto(byLabel(view, 'Name'), 'Rita');
    const written = nextDraftSave(view);
    await tabAway();
    await written;
    expect((await getDraft(id, stores))?.answers).to.deep.equal({ name: 'Rita' });
    byLabel(view, 'Name').select();
    await sendKeys({ press: 'Backspace' });
    const emptied = nextDraftSave(view);
    await tabAway();
    await emptied;
    view.remove();
    await waitUntil(async () => (await getDraft(id, stores)) === undefined, 'the empty draft was kept');
  });

  it('does not keep an empty draft that the user leaves', async () => {
    const draft = draftOf({});
    await putDraft(draft, stores);
    const view = await openDraft(draft.id);
    view.remove();
    await waitUntil(async () => (await getDraft(draft.id, stores)) === undefined, 'the empty draft was kept');
  });

  it('discards a draft only after the user confirms', async () => {
    const draft = draftOf({ name: 'Rita' });
    await putDraft(draft, stores);
    const view = await openDraft(draft.id);
    const dialog = view.shadowRoot?.querySelector('dialog');

    button(view, 'Discard').click();
    expect(dialog?.open).to.equal(true);
    expect(visibleText(dialog as HTMLDialogElement)).to.include('Discard this form?');
    dialogButton(view, 'Keep editing').click();
    expect(dialog?.open).to.equal(false);
    expect(await getDraft(draft.id, stores)).to.deep.equal(draft);

    button(view, 'Discard').click();
    const navigated = oneEvent(view, 'fs-navigate');
    dialogButton(view, 'Discard').click();
    expect((await navigated).detail).to.deep.equal({ path: '/', replace: true });
    expect(await getDraft(draft.id, stores)).to.equal(undefined);
  });

  it('says so when the form version of a draft is gone, and keeps its answers', async () => {
    const draft = draftOf({ name: 'Rita', pumps: 4 }, 7);
    await putDraft(draft, stores);
    const view = await openDraft(draft.id);
    const text = visibleText(view);
    expect(text).to.include(
      'This draft was started on version 7 of “Every kind of question”, which is no longer',
    );
    expect(text).to.include('Rita');
    expect(deepAll(view, 'fs-field')).to.have.length(0);
    view.remove();
    expect(await getDraft(draft.id, stores)).to.deep.equal(draft);
  });

  it('opens a draft on the older version it was started on', async () => {
    const draft = draftOf({ name: 'Rita' }, 1);
    await putDraft(draft, stores);
    const view = await openDraft(draft.id);
    expect(deepAll(view, '[data-field]').map((el) => el.dataset.field)).to.deep.equal(['name', 'condition']);
    expect(visibleText(view)).to.include('Version 1');
  });

  it('says so when a draft is not on the device', async () => {
    const view = await openDraft(crypto.randomUUID());
    expect(visibleText(view)).to.include('This unfinished form is no longer on this device');
  });
});

describe('fs-form-view: corrections', () => {
  async function rejected(): Promise<SubmissionPayload> {
    const payload: SubmissionPayload = {
      id: crypto.randomUUID(),
      formId: 'all-kinds',
      formVersion: 2,
      answers: { name: 'Rita', pumps: 4, condition: 'dry' },
      location: null,
      photos: [],
      createdAt: new Date().toISOString(),
      deviceId: crypto.randomUUID(),
      referenceVersion: null,
    };
    await saveSubmission(payload, stores);
    await updateSubmission(
      payload.id,
      (r) => ({
        ...r,
        status: 'rejected',
        rejection: {
          error: 'validation_failed',
          message: 'Some answers were refused.',
          field: 'name',
          problems: [
            { field: 'name', message: 'This name is already registered.' },
            { field: 'pumps', message: 'This site has at most 2 pumps.' },
            { field: 'location', message: 'The location must be the first location answer.' },
          ],
        },
      }),
      stores,
    );
    await openCorrection(payload.id, stores);
    return payload;
  }

  it("shows the server's message and each problem beside its question", async () => {
    const payload = await rejected();
    const view = await openDraft(payload.id);
    await waitUntil(() => visibleText(view).includes('Some answers were refused.'));
    const text = visibleText(view);
    expect(text).to.include('Correct this submission');
    expect(text).to.include('location: The location must be the first location answer.');
    expect(messageOf(view, 'name')).to.equal('This name is already registered.');
    expect(messageOf(view, 'pumps')).to.equal('This site has at most 2 pumps.');
    expect(byLabel(view, 'Pumps').getAttribute('aria-invalid')).to.equal('true');
    expect(messageOf(view, 'condition')).to.equal('');
  });

  it('drops a problem once its answer is changed, and queues the corrected submission', async () => {
    const payload = await rejected();
    const view = await openDraft(payload.id);
    await waitUntil(() => messageOf(view, 'pumps') !== '');
    const pumps = byLabel(view, 'Pumps');
    pumps.select();
    await typeInto(pumps, '2');
    await tabAway();
    await settled(view);
    expect(messageOf(view, 'pumps')).to.equal('');
    expect(messageOf(view, 'name')).to.equal('This name is already registered.');

    const saved = oneEvent(view, 'submission-saved');
    button(view, 'Save').click();
    await saved;
    const stored = await getSubmission(payload.id, stores);
    expect(stored?.status).to.equal('queued');
    expect(stored?.rejection).to.equal(null);
    expect(stored?.payload.answers).to.deep.equal({ name: 'Rita', pumps: 2, condition: 'dry' });
    expect(await getDraft(payload.id, stores)).to.equal(undefined);
  });

  it('keeps the refused submission when the correction is discarded', async () => {
    const payload = await rejected();
    const view = await openDraft(payload.id);
    button(view, 'Discard').click();
    expect(visibleText(view.shadowRoot?.querySelector('dialog') as HTMLDialogElement)).to.include(
      'The refused submission stays in the outbox.',
    );
    const navigated = oneEvent(view, 'fs-navigate');
    dialogButton(view, 'Discard').click();
    await navigated;
    expect(await getDraft(payload.id, stores)).to.equal(undefined);
    expect((await getSubmission(payload.id, stores))?.status).to.equal('rejected');
  });
});
