import { expect, fixture, html } from '@open-wc/testing';
import type { ReferenceData } from '../../shared/forms.js';
import { getDraft } from '../../src/core/drafts.js';
import type { Stores } from '../../src/core/stores.js';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import '../../src/elements/fs-form-view.js';
import { testStores } from '../support/fixtures.js';
import {
  button,
  byLabel,
  clean,
  deepActiveElement,
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
let view: FsFormView;
let draftId: string;

before(async () => {
  reference = await loadReference();
});

beforeEach(async () => {
  stores = testStores();
  ({ view, draftId } = await openNewForm(
    fixture,
    html`<fs-form-view .reference=${reference} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
  ));
});

/** Types into a question's input, leaves it, and waits for the screen to settle. */
async function answer(label: string, text: string): Promise<HTMLInputElement> {
  const input = byLabel(view, label);
  await typeInto(input, text);
  await tabAway();
  await settled(view);
  return input;
}

/** Sets a date as the browser's date picker does. */
async function pickDate(value: string): Promise<void> {
  const input = byLabel(view, 'Visited');
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
  await settled(view);
}

describe('fs-form-view: questions', () => {
  it('shows every kind of question with a visible label', () => {
    expect(visibleText(view)).to.include('Every kind of question');
    expect(visibleText(question(view, 'intro'))).to.equal('Read this before you start.');

    const name = byLabel(view, 'Name');
    expect(name.localName).to.equal('input');
    expect(name.type).to.equal('text');
    expect(name.required).to.equal(true);
    expect(byLabel(view, 'Story').localName).to.equal('textarea');

    const pumps = byLabel(view, 'Pumps');
    expect(pumps.inputMode).to.equal('numeric');
    expect(visibleText(question(view, 'pumps'))).to.include('pumps');
    // Flow may not be negative, so the decimal keypad is enough.
    expect(byLabel(view, 'Flow').inputMode).to.equal('decimal');
    const visited = byLabel(view, 'Visited');
    expect(visited.type).to.equal('date');
    expect([visited.min, visited.max]).to.deep.equal(['2020-01-01', '2030-12-31']);

    const condition = byLabel<HTMLFieldSetElement>(view, 'Condition');
    expect(condition.getAttribute('role')).to.equal('radiogroup');
    expect(deepAll<HTMLInputElement>(condition, 'input[type=radio]').map((r) => r.value)).to.deep.equal([
      'working',
      'broken',
      'dry',
    ]);
    expect(byLabel(view, 'Working').type).to.equal('radio');

    // Fifty sites: a search box over the list.
    const site = byLabel<HTMLFieldSetElement>(view, 'Site');
    expect(deepAll(site, 'input[type=radio]')).to.have.length(50);
    expect(byLabel(view, 'Search the list').type).to.equal('search');

    expect(byLabel(view, 'Leak').type).to.equal('checkbox');
    expect(deepAll(byLabel(view, 'Faults'), 'input[type=checkbox]')).to.have.length(3);

    expect(byLabel(view, 'Where')).to.not.equal(null);
    button(view, 'Record location');

    byLabel(view, 'Pictures');
    const files = byLabel(view, 'Take or choose photos');
    expect(files.type).to.equal('file');
    expect(files.accept).to.equal('image/*');
    expect(files.getAttribute('capture')).to.equal('environment');
    expect(files.multiple).to.equal(true);
  });

  it('links hints to their inputs and marks required questions', () => {
    const name = byLabel(view, 'Name');
    const root = name.getRootNode() as ShadowRoot;
    const described = (name.getAttribute('aria-describedby') ?? '').split(' ');
    expect(described.map((id) => clean(root.getElementById(id)?.textContent))).to.deep.equal([
      'As written on the sign.',
      '0 of 12 characters',
    ]);
    expect(deepAll(question(view, 'name'), '.req')).to.have.length(1);
    expect(deepAll(question(view, 'story'), '.req')).to.have.length(0);
  });

  it('shows no message before the user has touched a question', () => {
    for (const f of ['name', 'pumps', 'condition', 'where', 'pictures'])
      expect(messageOf(view, f)).to.equal('');
    expect(byLabel(view, 'Name').getAttribute('aria-invalid')).to.equal('false');
  });

  it('says a required answer is missing once the user leaves it empty', async () => {
    const name = byLabel(view, 'Name');
    name.focus();
    await tabAway();
    await settled(view);
    expect(messageOf(view, 'name')).to.equal('This answer is required.');
    expect(name.getAttribute('aria-invalid')).to.equal('true');
    expect(name.getAttribute('aria-describedby')).to.include('message');
    const message = (name.getRootNode() as ShadowRoot).getElementById('message');
    expect(message?.getAttribute('aria-live')).to.equal('polite');
  });

  it('checks the longest length and counts characters as the user types', async () => {
    await answer('Name', 'Abcdefghijklm');
    expect(messageOf(view, 'name')).to.equal('Use at most 12 characters.');
    expect(visibleText(question(view, 'name'))).to.include('1 character too many (13 of 12)');

    const story = byLabel<HTMLTextAreaElement>(view, 'Story');
    await typeInto(story, 'Once');
    await settled(view);
    expect(visibleText(question(view, 'story'))).to.include('4 of 300 characters');
  });

  it('checks a pattern, and clears the message once the answer is fixed', async () => {
    const name = await answer('Name', 'R2D2');
    expect(messageOf(view, 'name')).to.equal('Use letters and spaces only.');
    name.select();
    await typeInto(name, 'Rita');
    await settled(view);
    expect(messageOf(view, 'name')).to.equal('');
  });

  it('keeps what was typed in a number question, even when it is not a number', async () => {
    const pumps = await answer('Pumps', 'two');
    expect(pumps.value).to.equal('two');
    expect(messageOf(view, 'pumps')).to.equal('Enter a number.');

    const flow = await answer('Flow', '12,5');
    expect(flow.value).to.equal('12,5');
    expect(messageOf(view, 'flow')).to.equal('Enter a number.');

    // Kept in the draft too, so a reload shows the same text and message.
    await nextDraftSave(view);
    const draft = await getDraft(draftId, stores);
    expect(draft?.answers).to.include({ pumps: 'two', flow: '12,5' });
  });

  it('checks whole numbers, smallest and largest values', async () => {
    const pumps = byLabel(view, 'Pumps');
    const cases: [string, string][] = [
      ['2.5', 'Enter a whole number.'],
      ['0', 'Enter 1 or more.'],
      ['11', 'Enter 10 or less.'],
      ['7', ''],
    ];
    for (const [typed, expected] of cases) {
      pumps.select();
      await typeInto(pumps, typed);
      await tabAway();
      await settled(view);
      expect(messageOf(view, 'pumps'), typed).to.equal(expected);
    }
    await answer('Flow', '-1');
    expect(messageOf(view, 'flow')).to.equal('Flow cannot be negative.');

    await nextDraftSave(view);
    const draft = await getDraft(draftId, stores);
    expect(draft?.answers.pumps).to.equal(7);
    expect(draft?.answers.flow).to.equal(-1);
  });

  it('checks the earliest and latest date', async () => {
    await pickDate('2019-12-31');
    expect(messageOf(view, 'visited')).to.equal('Enter 2020-01-01 or later.');
    await pickDate('2031-01-01');
    expect(messageOf(view, 'visited')).to.equal('Enter 2030-12-31 or earlier.');
    await pickDate('2024-05-06');
    expect(messageOf(view, 'visited')).to.equal('');
  });

  it('checks how many choices are ticked', async () => {
    for (const label of ['Leak', 'Rust', 'Crack']) byLabel(view, label).click();
    await settled(view);
    expect(messageOf(view, 'faults')).to.equal('Choose at most 2 answers.');
    byLabel(view, 'Rust').click();
    await settled(view);
    expect(messageOf(view, 'faults')).to.equal('');
  });

  it('finds a site in the long list by typing part of its name', async () => {
    const search = byLabel(view, 'Search the list');
    await typeInto(search, 'sondu bore');
    await settled(view);
    const shown = deepAll<HTMLInputElement>(byLabel(view, 'Site'), 'input[type=radio]');
    expect(shown.map((r) => r.value)).to.deep.equal(['site_002']);
    byLabel(view, 'Sondu Borehole').click();
    await settled(view);
    expect(visibleText(question(view, 'site'))).to.include('Chosen: Sondu Borehole');
  });

  it('refuses to save with problems: shows each beside its question, counts them and focuses the first', async () => {
    await answer('Pumps', 'two');
    await answer('Flow', '3.5');
    button(view, 'Save').click();
    await settled(view);

    expect(visibleText(view)).to.include('There are 3 problems. Fix them, then save again.');
    expect(messageOf(view, 'name')).to.equal('This answer is required.');
    expect(messageOf(view, 'pumps')).to.equal('Enter a number.');
    expect(messageOf(view, 'condition')).to.equal('Choose the condition.');
    expect(messageOf(view, 'flow')).to.equal('');
    expect(deepActiveElement()).to.equal(byLabel(view, 'Name'));
    // Nothing typed is lost.
    expect(byLabel(view, 'Pumps').value).to.equal('two');
    expect(byLabel(view, 'Flow').value).to.equal('3.5');
  });

  it('focuses a choice question when it is the first problem', async () => {
    await answer('Name', 'Rita');
    button(view, 'Save').click();
    await settled(view);
    expect(visibleText(view)).to.include('There is 1 problem. Fix it, then save again.');
    expect(deepActiveElement()).to.equal(byLabel(view, 'Working'));
  });
});
