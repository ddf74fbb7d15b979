import { expect, fixture, html } from '@open-wc/testing';
import type { ReferenceData } from '../../shared/forms.js';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import '../../src/elements/fs-form-view.js';
import { testStores } from '../support/fixtures.js';
import { hasButton, loadReference } from './form-support.js';
import { before, describe, it } from '../support/mocha.js';

let reference: ReferenceData;

before(async () => {
  reference = await loadReference();
});

interface Drawing {
  questions: number;
  save: boolean;
}

/**
 * The questions and whether Save is there after each drawing that changed
 * them. A mutation observer's callback runs before the task ends: no timer
 * can run between a drawing and its record.
 */
function drawings(view: FsFormView): { seen: Drawing[]; stop: () => void } {
  const seen: Drawing[] = [];
  const observer = new MutationObserver(() => {
    const questions = view.shadowRoot?.querySelectorAll('.q').length ?? 0;
    const save = hasButton(view, 'Save');
    const last = seen.at(-1);
    if (questions > 0 && (last?.questions !== questions || last.save !== save))
      seen.push({ questions, save });
  });
  if (!view.shadowRoot) throw new Error('No shadow root yet');
  observer.observe(view.shadowRoot, { childList: true, subtree: true });
  return { seen, stop: () => observer.disconnect() };
}

describe('fs-form-view: drawing a long form', () => {
  it('draws three questions, then three more each task, the buttons with the last, and updateComplete waits for all', async () => {
    const form = reference.forms.find((f) => f.id === 'water-point-inspection');
    if (!form) throw new Error('No test form');
    expect(form.fields.length).to.be.greaterThan(3);
    const view = await fixture<FsFormView>(
      html`<fs-form-view .reference=${reference} .stores=${testStores()}></fs-form-view>`,
    );
    const all = drawings(view);
    view.formId = 'water-point-inspection';
    await view.updateComplete;
    all.stop();
    expect(view.shadowRoot?.querySelectorAll('.q').length).to.equal(form.fields.length);
    expect(hasButton(view, 'Save')).to.equal(true);
    const expected: Drawing[] = [];
    for (let n = 3; n < form.fields.length; n += 3) expected.push({ questions: n, save: false });
    expected.push({ questions: form.fields.length, save: true });
    expect(expected.length, 'drawn in three or more tasks').to.be.greaterThan(2);
    expect(all.seen).to.deep.equal(expected);
  });
});
