import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import type { FormDef, ReferenceData } from '../../shared/forms.js';
import type { Draft } from '../../shared/outbox.js';
import { getDraft, putDraft } from '../../src/core/drafts.js';
import { refreshReference } from '../../src/core/reference.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission } from '../../src/core/submissions.js';
import type { FsFormList } from '../../src/elements/fs-form-list.js';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import '../../src/elements/fs-form-list.js';
import '../../src/elements/fs-form-view.js';
import { testStores } from '../support/fixtures.js';
import {
  button,
  byLabel,
  clean,
  deepAll,
  loadReference,
  openNewForm,
  settled,
  tabAway,
  TEST_FORM,
  TEST_FORM_V1,
  typeInto,
  visibleText,
} from './form-support.js';
import { before, beforeEach, describe, it } from '../support/mocha.js';

/** The test form's versions 1 and 2, the demo form, and a form whose only version was withdrawn. */
let reference: ReferenceData;
let stores: Stores;

const RETIRED: FormDef = {
  id: 'retired',
  version: 1,
  title: 'Retired survey',
  fields: [{ name: 'name', type: 'text', label: 'Name', required: true }],
  withdrawn: true,
};

before(async () => {
  const base = await loadReference();
  reference = { ...base, forms: [...base.forms, RETIRED] };
});

beforeEach(() => {
  stores = testStores();
});

function draftOf(formId: string, formVersion: number, answers: Draft['answers'] = {}): Draft {
  return {
    schema: 1,
    id: crypto.randomUUID(),
    formId,
    formVersion,
    answers,
    updatedAt: new Date().toISOString(),
    correcting: false,
  };
}

async function openDraft(id: string, ref: ReferenceData): Promise<FsFormView> {
  const view = await fixture<FsFormView>(
    html`<fs-form-view .reference=${ref} .stores=${stores} draft-id=${id}></fs-form-view>`,
  );
  await waitUntil(() => view.shadowRoot?.querySelector('h1, .banner'), 'the draft did not open');
  await settled(view);
  return view;
}

function fieldNames(view: Element): string[] {
  return deepAll(view, '[data-field]').map((el) => el.dataset.field ?? '');
}

/** Answers the two questions of the test form's version 1 and saves. */
async function fillV1AndSave(view: FsFormView): Promise<void> {
  await typeInto(byLabel(view, 'Name'), 'Rita');
  await tabAway();
  byLabel(view, 'Dry').click();
  await settled(view);
  const saved = oneEvent(view, 'submission-saved');
  button(view, 'Save').click();
  await saved;
}

describe('fs-form-list: form versions', () => {
  it('lists only the newest version of each form, and no withdrawn one', async () => {
    const withdrawnV3: FormDef = { ...TEST_FORM, version: 3, withdrawn: true };
    const ref = { ...reference, forms: [...reference.forms, withdrawnV3] };
    const el = await fixture<FsFormList>(
      html`<fs-form-list .reference=${ref} .stores=${stores}></fs-form-list>`,
    );
    await waitUntil(() => el.shadowRoot?.querySelector('#drafts-title'), 'the drafts did not load');
    const forms = deepAll<HTMLAnchorElement>(el, 'a').filter((a) => a.pathname.startsWith('/forms/'));
    expect(forms.map((a) => a.pathname)).to.deep.equal(['/forms/all-kinds', '/forms/water-point-inspection']);
    // Version 3 was withdrawn: version 2 is the one started.
    expect(clean(forms[0]?.textContent)).to.include('Version 2');
    expect(visibleText(el)).not.to.include('Retired survey');
  });

  it('still lists a draft on a withdrawn form, by its title', async () => {
    const draft = draftOf('retired', 1, { name: 'Ann' });
    await putDraft(draft, stores);
    const el = await fixture<FsFormList>(
      html`<fs-form-list .reference=${reference} .stores=${stores}></fs-form-list>`,
    );
    await waitUntil(() => el.shadowRoot?.querySelector('.drafts'), 'the drafts did not load');
    const drafts = deepAll<HTMLAnchorElement>(el, 'a').filter((a) => a.pathname.startsWith('/drafts/'));
    expect(drafts.map((a) => a.pathname)).to.deep.equal([`/drafts/${draft.id}`]);
    expect(clean(drafts[0]?.textContent)).to.include('Retired survey');
  });

  it('says so when every form on the device was withdrawn', async () => {
    const el = await fixture<FsFormList>(
      html`<fs-form-list .reference=${{ forms: [RETIRED], lists: {} }} .stores=${stores}></fs-form-list>`,
    );
    expect(visibleText(el)).to.include('No form can be started: every form on this device was withdrawn.');
  });
});

describe('fs-form-view: form versions', () => {
  it('keeps a version 1 draft on version 1 when version 2 arrives, and says a newer version exists', async () => {
    const onlyV1: ReferenceData = { ...reference, forms: [TEST_FORM_V1] };
    const draft = draftOf('all-kinds', 1, { name: 'Rita' });
    await putDraft(draft, stores);
    const view = await openDraft(draft.id, onlyV1);
    expect(visibleText(view)).to.include('Version 1');
    expect(visibleText(view)).not.to.include('A newer version');

    // The refreshed reference data brings version 2.
    view.reference = reference;
    await settled(view);
    expect(fieldNames(view)).to.deep.equal(['name', 'condition']);
    const text = visibleText(view);
    expect(text).to.include('Version 1');
    expect(text).to.include('A newer version of this form (version 2) exists.');
    expect(text).to.include('forms you start from now on use version 2');
    expect((await getDraft(draft.id, stores))?.formVersion).to.equal(1);

    await fillV1AndSave(view);
    const sub = await getSubmission(draft.id, stores);
    expect(sub?.payload).to.include({ formId: 'all-kinds', formVersion: 1 });
    expect(Object.keys(sub?.payload.answers ?? {})).to.deep.equal(['name', 'condition']);
  });

  it('shows no version notice on a draft of the newest version', async () => {
    const draft = draftOf('all-kinds', 2);
    await putDraft(draft, stores);
    const view = await openDraft(draft.id, reference);
    expect(view.shadowRoot?.querySelector('.version-notice')).to.equal(null);
  });

  it('starts a new form on the newest version that is not withdrawn', async () => {
    const withdrawnV3: FormDef = { ...TEST_FORM, version: 3, withdrawn: true };
    const ref = { ...reference, forms: [...reference.forms, withdrawnV3] };
    const { draftId } = await openNewForm(
      fixture,
      html`<fs-form-view .reference=${ref} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
    );
    expect((await getDraft(draftId, stores))?.formVersion).to.equal(2);
  });

  it('refuses to start a withdrawn form, saying it was withdrawn', async () => {
    const view = await fixture<FsFormView>(
      html`<fs-form-view .reference=${reference} .stores=${stores} form-id="retired"></fs-form-view>`,
    );
    await waitUntil(() => view.shadowRoot?.querySelector('.banner'), 'nothing shown');
    expect(visibleText(view)).to.include(
      'The form “Retired survey” was withdrawn, so it can no longer be started.',
    );
    expect(deepAll(view, '[data-field]')).to.have.length(0);
  });

  it('opens and saves a draft on a withdrawn version', async () => {
    const draft = draftOf('retired', 1, { name: 'Ann' });
    await putDraft(draft, stores);
    const view = await openDraft(draft.id, reference);
    expect(visibleText(view)).to.include('Version 1 of this form was withdrawn');
    const saved = oneEvent(view, 'submission-saved');
    button(view, 'Save').click();
    await saved;
    expect((await getSubmission(draft.id, stores))?.payload).to.include({
      formId: 'retired',
      formVersion: 1,
    });
  });

  it('records the version of the reference data the device had', async () => {
    const etag = '"reference-test-etag"';
    const fetcher = () =>
      Promise.resolve(
        new Response(JSON.stringify(reference), { headers: { 'content-type': 'application/json', etag } }),
      );
    await refreshReference({ fetcher: fetcher as typeof fetch }, stores);
    const draft = draftOf('all-kinds', 1);
    await putDraft(draft, stores);
    const view = await openDraft(draft.id, reference);
    await fillV1AndSave(view);
    expect((await getSubmission(draft.id, stores))?.payload.referenceVersion).to.equal(etag);
  });
});
