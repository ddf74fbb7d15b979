import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { Draft } from '../../shared/outbox.js';
import { openCorrection } from '../../src/core/corrections.js';
import { getDraft, putDraft } from '../../src/core/drafts.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission, saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import type { FsFormList } from '../../src/elements/fs-form-list.js';
import '../../src/elements/fs-form-list.js';
import { testStores } from '../support/fixtures.js';
import { button, clean, deepAll, loadReference, visibleText } from './form-support.js';
import { before, beforeEach, describe, it } from '../support/mocha.js';

let reference: ReferenceData;
let stores: Stores;

before(async () => {
  reference = await loadReference();
});

beforeEach(() => {
  stores = testStores();
});

function draftOf(answers: Draft['answers'], minutesAgo: number, formId = 'all-kinds'): Draft {
  return {
    schema: 1,
    id: crypto.randomUUID(),
    formId,
    formVersion: formId === 'all-kinds' ? 2 : 1,
    answers,
    updatedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    correcting: false,
  };
}

async function list(): Promise<FsFormList> {
  const el = await fixture<FsFormList>(
    html`<fs-form-list .reference=${reference} .stores=${stores}></fs-form-list>`,
  );
  await waitUntil(() => el.shadowRoot?.querySelector('#drafts-title'), 'the drafts did not load');
  return el;
}

function links(el: Element): HTMLAnchorElement[] {
  return deepAll<HTMLAnchorElement>(el, 'a');
}

describe('fs-form-list', () => {
  it('lists the newest version of each form as a link', async () => {
    const el = await list();
    const forms = links(el).filter((a) => a.pathname.startsWith('/forms/'));
    expect(forms.map((a) => a.pathname)).to.deep.equal(['/forms/all-kinds', '/forms/water-point-inspection']);
    expect(clean(forms[0]?.textContent)).to.equal('Every kind of question A form for tests. Version 2');
    expect(clean(forms[1]?.textContent)).to.include('Water point inspection');
  });

  it('asks to open a form when its link is tapped', async () => {
    const el = await list();
    const navigated = oneEvent(el, 'fs-navigate');
    links(el)[0]?.click();
    expect((await navigated).detail).to.deep.equal({ path: '/forms/all-kinds' });
  });

  it('lists unfinished forms newest first, with when they were edited and how many answers they have', async () => {
    const older = draftOf({ name: 'Rita' }, 180, 'water-point-inspection');
    const newer = draftOf({ name: 'Ann', pumps: 2, faults: [] }, 5);
    await putDraft(older, stores);
    await putDraft(newer, stores);
    const el = await list();
    const drafts = links(el).filter((a) => a.pathname.startsWith('/drafts/'));
    expect(drafts.map((a) => a.pathname)).to.deep.equal([`/drafts/${newer.id}`, `/drafts/${older.id}`]);
    expect(clean(drafts[0]?.textContent)).to.equal('Every kind of question Edited 5 minutes ago · 2 answers');
    expect(clean(drafts[1]?.textContent)).to.equal('Water point inspection Edited 3 hours ago · 1 answer');

    const navigated = oneEvent(el, 'fs-navigate');
    drafts[1]?.click();
    expect((await navigated).detail).to.deep.equal({ path: `/drafts/${older.id}` });
  });

  it('leaves out a draft with no answers, as a crash while the form was opening leaves one', async () => {
    const blank = draftOf({ faults: [], name: '' }, 1);
    const started = draftOf({ name: 'Ann' }, 2);
    await putDraft(blank, stores);
    await putDraft(started, stores);
    const el = await list();
    const drafts = links(el).filter((a) => a.pathname.startsWith('/drafts/'));
    expect(drafts.map((a) => a.pathname)).to.deep.equal([`/drafts/${started.id}`]);
  });

  it('deletes a draft only after the user confirms', async () => {
    const draft = draftOf({ name: 'Rita' }, 2);
    await putDraft(draft, stores);
    const el = await list();
    const dialog = el.shadowRoot?.querySelector('dialog');

    button(el, 'Delete Every kind of question, edited 2 minutes ago').click();
    await el.updateComplete;
    await waitUntil(() => dialog?.open, 'no confirmation');
    expect(visibleText(dialog as HTMLDialogElement)).to.include('Delete this unfinished form?');
    button(el, 'Keep it').click();
    expect(dialog?.open).to.equal(false);
    expect(await getDraft(draft.id, stores)).to.deep.equal(draft);

    button(el, 'Delete Every kind of question, edited 2 minutes ago').click();
    await waitUntil(() => dialog?.open, 'no confirmation');
    button(el, 'Delete').click();
    await waitUntil(() => visibleText(el).includes('The unfinished “Every kind of question” was deleted.'));
    expect(await getDraft(draft.id, stores)).to.equal(undefined);
    expect(links(el).filter((a) => a.pathname.startsWith('/drafts/'))).to.have.length(0);
  });

  it('never deletes a saved submission with its correction draft', async () => {
    const id = crypto.randomUUID();
    await saveSubmission(
      {
        id,
        formId: 'all-kinds',
        formVersion: 2,
        answers: { name: 'Rita', condition: 'dry' },
        location: null,
        photos: [],
        createdAt: new Date().toISOString(),
        deviceId: crypto.randomUUID(),
        referenceVersion: null,
      },
      stores,
    );
    await updateSubmission(
      id,
      (r) => ({ ...r, status: 'rejected', rejection: { error: 'validation_failed', message: 'No.' } }),
      stores,
    );
    await openCorrection(id, stores);
    const el = await list();
    expect(visibleText(el)).to.include('Correction');
    deepAll<HTMLButtonElement>(el, 'button[data-delete]')[0]?.click();
    await waitUntil(() => el.shadowRoot?.querySelector('dialog')?.open, 'no confirmation');
    expect(visibleText(el.shadowRoot?.querySelector('dialog') as HTMLDialogElement)).to.include(
      'the refused submission stays in the outbox',
    );
    button(el, 'Delete').click();
    await waitUntil(async () => (await getDraft(id, stores)) === undefined);
    expect((await getSubmission(id, stores))?.status).to.equal('rejected');
  });

  it('says when there are no forms yet', async () => {
    const el = await fixture<FsFormList>(
      html`<fs-form-list .reference=${{ forms: [], lists: {} }} .stores=${stores}></fs-form-list>`,
    );
    expect(visibleText(el)).to.include('There are no forms on this device yet.');
  });
});
