import { expect, fixture, html } from '@open-wc/testing';
import type { FieldDef } from '../../shared/forms.js';
import { nextTask } from '../../src/core/next-task.js';
import { lazyLists, parseIsLong, parseSoon } from '../../src/core/reference-lists.js';
import type { FsField } from '../../src/elements/fs-field.js';
import '../../src/elements/fs-field.js';
import { describe, it } from '../support/mocha.js';
import { waitUntil } from '../support/wait-until.js';
import { byLabel, deepAll } from './form-support.js';

const field: FieldDef = { name: 'village', type: 'select_one', label: 'Village', choiceList: 'villages' };

/** As stored on the device: each list as JSON text, parsed when first read. */
function storedLists(count: number) {
  const villages = Array.from({ length: count }, (_, i) => ({
    value: `vlg_${String(i).padStart(5, '0')}`,
    label: `Village number ${i} in the long list`,
  }));
  return lazyLists({ villages: JSON.stringify(villages) });
}

describe('fs-field: a long stored list', () => {
  it('draws the question first and its list a moment later, in the same place', async () => {
    const lists = storedLists(3000);
    const el = await fixture<FsField>(html`<fs-field .field=${field} .lists=${lists}></fs-field>`);
    // The first drawing parsed nothing: the box is there, waiting.
    const status = el.shadowRoot?.querySelector('#matches');
    expect(status?.textContent?.trim()).to.equal('Loading the list…');
    expect(byLabel(el, 'Search the list').disabled).to.equal(true);
    const box = el.shadowRoot?.querySelector<HTMLElement>('#list');
    const height = box?.getBoundingClientRect().height ?? 0;
    expect(height).to.be.greaterThan(100);

    await waitUntil(() => deepAll(el, 'input[type=radio]').length > 0, 'the list parsed and drawn');
    expect(deepAll(el, 'input[type=radio]')).to.have.length(100);
    expect(byLabel(el, 'Search the list').disabled).to.equal(false);
    expect(el.shadowRoot?.querySelector('#matches')?.textContent).to.include('3,000 matches');
    expect(el.shadowRoot?.querySelector<HTMLElement>('#list')?.getBoundingClientRect().height).to.equal(
      height,
    );
  });

  it('parses in a task of its own, and says so a task later, so drawing the list is a task apart', async () => {
    const lists = storedLists(3000);
    expect(parseIsLong(lists, 'villages')).to.equal(true);
    let told = false;
    const parsed = parseSoon(lists, 'villages').then(() => (told = true));
    // Timers of the same delay run in the order they were set: the parse's first.
    await nextTask();
    expect(parseIsLong(lists, 'villages'), 'parsed by now').to.equal(false);
    expect(told, 'not yet told').to.equal(false);
    await parsed;
    expect(lists['villages']).to.have.length(3000);
  });

  it('parses a short stored list at once', async () => {
    const lists = storedLists(40);
    const el = await fixture<FsField>(html`<fs-field .field=${field} .lists=${lists}></fs-field>`);
    expect(deepAll(el, 'input[type=radio]')).to.have.length(40);
  });
});
