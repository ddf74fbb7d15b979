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

/** The questions and whether Save is there, at the end of the task that first draws any question. */
function firstDrawing(view: FsFormView): Promise<{ questions: number; save: boolean }> {
  return new Promise((resolve) => {
    // A mutation observer's callback runs before the task ends: no timer can run between.
    const observer = new MutationObserver(() => {
      const questions = view.shadowRoot?.querySelectorAll('.q').length ?? 0;
      if (questions === 0) return;
      observer.disconnect();
      resolve({ questions, save: hasButton(view, 'Save') });
    });
    if (!view.shadowRoot) throw new Error('No shadow root yet');
    observer.observe(view.shadowRoot, { childList: true, subtree: true });
  });
}

describe('fs-form-view: drawing a long form', () => {
  it('draws the first questions, then the rest with the buttons a task later, and updateComplete waits for all', async () => {
    const form = reference.forms.find((f) => f.id === 'water-point-inspection');
    if (!form) throw new Error('No test form');
    expect(form.fields.length).to.be.greaterThan(3);
    const view = await fixture<FsFormView>(
      html`<fs-form-view .reference=${reference} .stores=${testStores()}></fs-form-view>`,
    );
    const first = firstDrawing(view);
    view.formId = 'water-point-inspection';
    expect(await first).to.deep.equal({ questions: 3, save: false });

    await view.updateComplete;
    expect(view.shadowRoot?.querySelectorAll('.q').length).to.equal(form.fields.length);
    expect(hasButton(view, 'Save')).to.equal(true);
  });
});
