import { expect, fixture, html } from '@open-wc/testing';
import type { Choice, FieldDef } from '../../shared/forms.js';
import { lazyLists, parseIsLong } from '../../src/core/reference-lists.js';
import { pack, unpack } from '../../src/reference/list-messages.js';
import { parseSoon } from '../../src/reference/list-parsing.js';
import type { FsField } from '../../src/elements/fs-field.js';
import '../../src/elements/fs-field.js';
import { describe, it } from '../support/mocha.js';
import { byLabel, deepAll } from './form-support.js';

const field: FieldDef = { name: 'village', type: 'select_one', label: 'Village', choiceList: 'villages' };

function villages(count: number): Choice[] {
  return Array.from({ length: count }, (_, i) => ({
    value: `vlg_${String(i).padStart(5, '0')}`,
    label: `Village number ${i} in the long list`,
    // Every third village without coordinates, one with only a latitude.
    ...(i % 3 === 0 ? {} : { lat: -1 - i / 10_000, lon: i === 1 ? undefined : 36 + i / 10_000 }),
  }));
}

/** As stored on the device: each list as JSON text, parsed when first read. */
function storedLists(count: number) {
  return lazyLists({ villages: JSON.stringify(villages(count)) });
}

/** Runs body with JSON.parse on the page watched: resolves with the lengths of the texts it parsed. */
async function pageParses(body: () => Promise<void>): Promise<number[]> {
  const parse = JSON.parse;
  const lengths: number[] = [];
  JSON.parse = (text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    lengths.push(text.length);
    return parse(text, reviver) as unknown;
  };
  try {
    await body();
  } finally {
    JSON.parse = parse;
  }
  return lengths;
}

/** Runs body with the Worker global replaced. */
async function withWorker(replacement: unknown, body: () => Promise<void>): Promise<void> {
  const original = globalThis.Worker;
  Object.defineProperty(globalThis, 'Worker', { value: replacement, configurable: true, writable: true });
  try {
    await body();
  } finally {
    Object.defineProperty(globalThis, 'Worker', { value: original, configurable: true, writable: true });
  }
}

describe('fs-field: a long stored list', () => {
  it('draws the question first, its list a moment later and the rest of the rows after, in the same place', async () => {
    const lists = storedLists(3000);
    // As wide as a small phone's screen, where the count of matches takes two lines.
    const el = await fixture<FsField>(
      html`<fs-field style="display: block; width: 300px" .field=${field} .lists=${lists}></fs-field>`,
    );
    // The first drawing parsed nothing: the box is there, waiting.
    const status = el.shadowRoot?.querySelector('#matches');
    expect(status?.textContent?.trim()).to.equal('Loading the list…');
    expect(byLabel(el, 'Search the list').disabled).to.equal(true);
    const box = el.shadowRoot?.querySelector<HTMLElement>('#list');
    const height = box?.getBoundingClientRect().height ?? 0;
    const top = box?.getBoundingClientRect().top;
    expect(height).to.be.greaterThan(100);

    // A mutation observer's callback runs before the task ends: no timer can run between.
    const firstRows = new Promise<number>((resolve) => {
      const observer = new MutationObserver(() => {
        const rows = deepAll(el, 'input[type=radio]').length;
        if (rows === 0) return;
        observer.disconnect();
        resolve(rows);
      });
      if (el.shadowRoot) observer.observe(el.shadowRoot, { childList: true, subtree: true });
    });
    expect(await firstRows, 'rows in the first drawing').to.equal(20);
    await el.updateComplete;
    expect(deepAll(el, 'input[type=radio]')).to.have.length(100);
    expect(byLabel(el, 'Search the list').disabled).to.equal(false);
    expect(el.shadowRoot?.querySelector('#matches')?.textContent).to.include('3,000 matches');
    const drawn = el.shadowRoot?.querySelector<HTMLElement>('#list')?.getBoundingClientRect();
    expect(drawn?.height).to.equal(height);
    expect(drawn?.top, 'the box has not moved').to.equal(top);
  });

  it('parses a short stored list at once', async () => {
    const lists = storedLists(40);
    const el = await fixture<FsField>(html`<fs-field .field=${field} .lists=${lists}></fs-field>`);
    expect(deepAll(el, 'input[type=radio]')).to.have.length(40);
  });

  it('parses a long list off the page, once however many ask, with each choice as stored', async () => {
    const lists = storedLists(3000);
    expect(parseIsLong(lists, 'villages')).to.equal(true);
    let started = 0;
    const Counted = class extends Worker {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        started++;
      }
    };
    let told = 0;
    const parsed = await pageParses(() =>
      withWorker(Counted, () =>
        Promise.all([
          parseSoon(lists, 'villages').then(() => told++),
          parseSoon(lists, 'villages').then(() => told++),
        ]).then(() => undefined),
      ),
    );
    expect(told).to.equal(2);
    expect(started, 'workers started').to.equal(1);
    expect(parseIsLong(lists, 'villages')).to.equal(false);
    expect(
      parsed.filter((n) => n > 10_000),
      'long texts parsed on the page',
    ).to.deep.equal([]);
    expect(JSON.stringify(lists['villages'])).to.equal(JSON.stringify(villages(3000)));
    expect(lists['villages']?.[1]).to.deep.equal({
      value: 'vlg_00001',
      label: 'Village number 1 in the long list',
      lat: -1.0001,
    });
  });

  it('reports a stored list that is not a choice list and shows it empty, without throwing', async () => {
    for (const text of ['{"not": "json"', '[{"value": 1, "label": "One"}]']) {
      const lists = lazyLists({ villages: text });
      const errors: unknown[] = [];
      const error = console.error;
      console.error = (...args: unknown[]) => void errors.push(args[0]);
      try {
        await parseSoon(lists, 'villages');
      } finally {
        console.error = error;
      }
      expect(lists['villages'], text).to.deep.equal([]);
      expect(String(errors[0]), text).to.include('"villages" cannot be read');
    }
  });

  it('parses in the page, in a task of its own, where no worker can run', async () => {
    const lists = storedLists(3000);
    const parsed = await pageParses(() =>
      withWorker(undefined, async () => {
        const done = parseSoon(lists, 'villages');
        expect(parseIsLong(lists, 'villages'), 'not parsed in the calling task').to.equal(true);
        await done;
      }),
    );
    expect(parsed.filter((n) => n > 10_000)).to.have.length(1);
    expect(lists['villages']).to.have.length(3000);
  });

  for (const [why, source, timeoutMs] of [
    ['cannot start', 'throw new Error("This worker breaks at once.");', undefined],
    // Starts, takes the request, and says nothing.
    ['never answers', 'self.onmessage = () => {};', 200],
  ] as const) {
    it(`parses in the page when the worker ${why}`, async () => {
      const lists = storedLists(3000);
      const script = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const Stand = class extends Worker {
        constructor(_url: string | URL, options?: WorkerOptions) {
          super(script, options);
        }
      };
      const warn = console.warn;
      const warnings: unknown[] = [];
      console.warn = (...args: unknown[]) => void warnings.push(args[0]);
      try {
        await withWorker(Stand, () => parseSoon(lists, 'villages', timeoutMs));
      } finally {
        console.warn = warn;
      }
      expect(String(warnings[0])).to.include('in the page');
      expect(lists['villages']).to.have.length(3000);
    });
  }
});

describe('a list from the worker', () => {
  const choices: Choice[] = [
    { value: 'a', label: 'Alego', lat: -0.1, lon: 34.2 },
    { value: 'b', label: 'Bondo' },
    { value: 'c', label: 'Chwele', lat: 0.7 },
    { value: 'd', label: 'Dunga', lon: 34.8 },
    { value: 'e', label: 'Ekerubo', lat: -0.9, lon: 34.9 },
  ];

  it('is rebuilt as it was, a few choices per task, so that other tasks run in between', async () => {
    let between = false;
    setTimeout(() => (between = true));
    expect(await unpack(pack(choices), 2)).to.deep.equal(choices);
    expect(between).to.equal(true, 'a task ran while the list was rebuilt');
  });

  it('is rebuilt in the task it arrived in when it fits one chunk', async () => {
    let between = false;
    setTimeout(() => (between = true));
    expect(await unpack(pack(choices))).to.deep.equal(choices);
    expect(between).to.equal(false);
  });
});
