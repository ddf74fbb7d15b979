import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { Choice, FormDef, ReferenceData } from '../../shared/forms.js';
import { getDraft } from '../../src/core/drafts.js';
import type { Stores } from '../../src/core/stores.js';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import '../../src/elements/fs-form-view.js';
import { testStores } from '../support/fixtures.js';
import {
  byLabel,
  clean,
  deepAll,
  nextDraftSave,
  openNewForm,
  question,
  settled,
  typeInto,
  visibleText,
} from './form-support.js';
import { before, beforeEach, describe, it } from '../support/mocha.js';

/** The most radio buttons the village list may have in the page at once. */
const SHOWN_LIMIT = 100;

let villages: Choice[];
let reference: ReferenceData;
let stores: Stores;
let view: FsFormView;
let draftId: string;

async function fetchJson<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** What the list should offer for a search, worked out the slow, obvious way. */
function expected(query: string, list = villages): Choice[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  return list.filter((c) => words.every((w) => fold(c.label).includes(w)));
}

const village = () => byLabel<HTMLFieldSetElement>(view, 'Village');
const radios = () => deepAll<HTMLInputElement>(village(), 'input[type=radio]');
const countText = () => clean(question(view, 'village').shadowRoot?.querySelector('#matches')?.textContent);

async function openHousehold(ref: ReferenceData): Promise<void> {
  ({ view, draftId } = await openNewForm(
    fixture,
    html`<fs-form-view .reference=${ref} .stores=${stores} form-id="household-visit"></fs-form-view>`,
  ));
}

before(async () => {
  const [form, list] = await Promise.all([
    fetchJson<FormDef>('../../server/demo-forms/household-visit.v1.json'),
    fetchJson<Choice[]>('../../server/demo-forms/lists/villages.json'),
  ]);
  villages = list;
  reference = { forms: [form], lists: { villages } };
});

beforeEach(async () => {
  stores = testStores();
  await openHousehold(reference);
});

describe('a select_one from a list of 20,000 villages', () => {
  it('shows the first matches of the whole list and says how many there are', () => {
    expect(villages).to.have.length(20_000);
    expect(new Set(villages.map((v) => v.value)).size).to.equal(20_000);
    expect(radios().map((r) => r.value)).to.deep.equal(villages.slice(0, SHOWN_LIMIT).map((v) => v.value));
    expect(countText()).to.equal(`20,000 matches, first ${SHOWN_LIMIT} shown: type more to narrow the list.`);
    const status = question(view, 'village').shadowRoot?.querySelector('#matches');
    expect(status?.getAttribute('aria-live')).to.equal('polite');
  });

  it('narrows the list to the matching villages as the user types, and widens it again', async () => {
    const search = byLabel(view, 'Search the list');
    search.focus();
    for (const key of 'got kabu') {
      await sendKeys({ press: key === ' ' ? 'Space' : key });
      await settled(view);
      const want = expected(search.value);
      expect(
        radios().map((r) => r.value),
        search.value,
      ).to.deep.equal(want.slice(0, SHOWN_LIMIT).map((v) => v.value));
      expect(radios().length).to.be.at.most(SHOWN_LIMIT);
    }
    const want = expected('got kabu');
    expect(want.length).to.be.within(1, SHOWN_LIMIT - 1);
    expect(countText()).to.equal(`${want.length} ${want.length === 1 ? 'match' : 'matches'}.`);
    for (const v of want) expect(v.label).to.match(/^Got Kabu/);

    // Deleting is a wider search, not a narrower one: the matches come back.
    for (let i = 0; i < 5; i++) await sendKeys({ press: 'Backspace' });
    await settled(view);
    expect(search.value).to.equal('got');
    const wider = expected('got');
    expect(wider.length).to.be.greaterThan(SHOWN_LIMIT);
    expect(countText()).to.equal(
      `${wider.length.toLocaleString('en')} matches, first ${SHOWN_LIMIT} shown: type more to narrow the list.`,
    );
    expect(radios().map((r) => r.value)).to.deep.equal(wider.slice(0, SHOWN_LIMIT).map((v) => v.value));
  });

  it('matches words in any order and ignores case', async () => {
    const target = villages.find((v) => / /.test(v.label) && expected(v.label).length === 1)!;
    const [first, second] = target.label.split(' ') as [string, string];
    await typeInto(byLabel(view, 'Search the list'), `${second.toUpperCase()} ${first.slice(0, 4)}`);
    await settled(view);
    expect(radios().map((r) => r.value)).to.include(target.value);
    expect(radios().map((r) => r.value)).to.deep.equal(
      expected(`${second} ${first.slice(0, 4)}`)
        .slice(0, SHOWN_LIMIT)
        .map((v) => v.value),
    );
  });

  it('sets the answer to the village the user chooses', async () => {
    const target = villages[12_345]!;
    await typeInto(byLabel(view, 'Search the list'), target.label);
    await settled(view);
    const saved = nextDraftSave(view);
    byLabel(view, target.label).click();
    await settled(view);
    expect(visibleText(question(view, 'village'))).to.include(`Chosen: ${target.label}`);
    await saved;
    expect((await getDraft(draftId, stores))?.answers.village).to.equal(target.value);
  });

  it('keeps the chosen village on screen, and chosen, when the search no longer matches it', async () => {
    const target = villages[19_999]!;
    const search = byLabel(view, 'Search the list');
    await typeInto(search, target.label);
    await settled(view);
    byLabel(view, target.label).click();
    await settled(view);

    // A search that does not match it: it stays, first and checked, beside the new matches.
    search.select();
    await typeInto(search, 'ka');
    await settled(view);
    const shown = radios();
    expect(shown.length).to.equal(SHOWN_LIMIT);
    expect(shown[0]?.value).to.equal(target.value);
    expect(shown[0]?.checked).to.equal(true);
    expect(shown.filter((r) => r.checked)).to.have.length(1);
    expect(shown.slice(1).map((r) => r.value)).to.deep.equal(
      expected('ka')
        .slice(0, SHOWN_LIMIT - 1)
        .map((v) => v.value),
    );

    // No match at all: the chosen one is still there to see.
    search.select();
    await typeInto(search, 'zzzz');
    await settled(view);
    expect(radios().map((r) => r.value)).to.deep.equal([target.value]);
    expect(countText()).to.equal('No match for “zzzz”.');

    // Cleared: not shown twice once the matches include it again.
    search.select();
    await typeInto(search, target.label);
    await settled(view);
    expect(radios().filter((r) => r.value === target.value)).to.have.length(1);
  });

  it('finds accented labels from unaccented typing', async () => {
    const accented: Choice[] = [
      ...villages.slice(0, 999),
      { value: 'vlg_accent', label: 'Nyamasaria Élevée' },
    ];
    stores = testStores();
    await openHousehold({ ...reference, lists: { villages: accented } });
    await typeInto(byLabel(view, 'Search the list'), 'elevee');
    await settled(view);
    expect(radios().map((r) => r.value)).to.deep.equal(['vlg_accent']);
    expect(countText()).to.equal('1 match.');
  });

  it('keeps the list in a bounded, scrolling box with targets large enough to touch at 320 px', async () => {
    view.style.display = 'block';
    view.style.width = '320px';
    await settled(view);
    const list = question(view, 'village').shadowRoot?.querySelector<HTMLElement>('#list');
    expect(list).to.not.equal(null);
    const box = list!.getBoundingClientRect();
    expect(box.width).to.be.at.most(320);
    expect(list!.scrollHeight).to.be.greaterThan(list!.clientHeight);
    expect(getComputedStyle(list!).overflowY).to.equal('auto');
    for (const label of deepAll<HTMLLabelElement>(village(), 'label.choice').slice(0, 5)) {
      expect(label.getBoundingClientRect().height).to.be.at.least(44);
      expect(label.getBoundingClientRect().right).to.be.at.most(box.right + 0.5);
    }
  });
});
