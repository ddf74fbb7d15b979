// The kiosk in Chromium: a fresh form per person, nothing of the last one left, the idle reset, the PIN.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { ReferenceData } from '../../shared/forms.js';
import { listDrafts } from '../../src/core/drafts.js';
import { listSubmissions } from '../../src/core/submissions.js';
import type { Stores } from '../../src/core/stores.js';
import '../../src/elements/fs-kiosk.js';
import type { FsKiosk } from '../../src/elements/fs-kiosk.js';
import '../../src/elements/fs-kiosk-setup.js';
import type { FsKioskSetup } from '../../src/elements/fs-kiosk-setup.js';
import {
  checkPin,
  FREE_PIN_TRIES,
  getKioskSettings,
  hashPin,
  putKioskSettings,
  readKioskSettings,
  waitAfter,
  type KioskSettings,
} from '../../src/kiosk/kiosk-settings.js';
import { testStores } from '../support/fixtures.js';
import { after, before, describe, it } from '../support/mocha.js';
import { waitUntil } from '../support/wait-until.js';
import { button, byLabel, deepAll, loadReference, tabAway, typeInto, visibleText } from './form-support.js';

let reference: ReferenceData;
const PIN = '2468';
let pin: KioskSettings['pin'];

before(async () => {
  reference = await loadReference();
  pin = await hashPin(PIN);
});

after(async () => {
  await setViewport({ width: 800, height: 600 });
});

function settings(over: Partial<KioskSettings> = {}): KioskSettings {
  return { schema: 1, on: true, formIds: ['all-kinds'], pin, idleSeconds: 60, warnSeconds: 20, ...over };
}

async function kiosk(s: Stores, over: Partial<KioskSettings> = {}): Promise<FsKiosk> {
  const chosen = settings(over);
  await putKioskSettings(chosen, s);
  const el = await fixture<FsKiosk>(
    html`<fs-kiosk .reference=${reference} .stores=${s} .settings=${chosen} .pending=${0}></fs-kiosk>`,
  );
  await waitUntil(() => byLabelOrNull(el, 'Name'), 'the fresh form');
  return el;
}

function byLabelOrNull(root: Element, text: string): HTMLInputElement | null {
  try {
    return byLabel<HTMLInputElement>(root, text);
  } catch {
    return null;
  }
}

/** Types into the labelled field as a person does, key by key, and moves on. */
async function type(el: Element, label: string, value: string): Promise<void> {
  await typeInto(byLabel(el, label), value);
  await tabAway();
}

const formView = (el: FsKiosk) => el.shadowRoot!.querySelector('fs-form-view');
const idleDialog = (el: FsKiosk) => el.shadowRoot!.querySelector<HTMLDialogElement>('dialog.idle')!;

describe('kiosk settings', () => {
  it('checks the PIN by its hash, and makes each wrong try after a few wait longer, across reloads', async () => {
    const s = testStores();
    await putKioskSettings(settings(), s);
    const stored = (await getKioskSettings(s))!;
    expect(JSON.stringify(stored)).to.not.contain(PIN);
    const t0 = Date.now();
    expect(await checkPin(PIN, s, t0)).to.deep.equal({ kind: 'right' });
    for (let i = 1; i < FREE_PIN_TRIES; i++) {
      expect(await checkPin('0000', s, t0)).to.deep.equal({
        kind: 'wrong',
        triesLeft: FREE_PIN_TRIES - i,
        waitMs: 0,
      });
    }
    expect(await checkPin('0000', s, t0)).to.deep.equal({ kind: 'wrong', triesLeft: 0, waitMs: 30_000 });
    // While the wait runs, even the right PIN is not checked.
    expect(await checkPin(PIN, s, t0 + 29_000)).to.deep.equal({ kind: 'locked', waitMs: 1_000 });
    expect(await checkPin('1111', s, t0 + 30_000)).to.deep.equal({
      kind: 'wrong',
      triesLeft: 0,
      waitMs: 60_000,
    });
    expect(await checkPin(PIN, s, t0 + 90_000)).to.deep.equal({ kind: 'right' });
    expect(await checkPin('1111', s, t0 + 90_000)).to.include({
      kind: 'wrong',
      triesLeft: FREE_PIN_TRIES - 1,
    });
    expect(waitAfter(40)).to.equal(15 * 60_000);
  });

  it('reads settings an older or damaged store holds without trusting them', () => {
    expect(readKioskSettings(null)).to.equal(null);
    expect(readKioskSettings({ schema: 1, formIds: 'all-kinds', pin })).to.equal(null);
    expect(readKioskSettings({ schema: 1, formIds: ['a'], pin: { salt: 1 } })).to.equal(null);
    const read = readKioskSettings({ schema: 1, on: 'yes', formIds: ['a'], pin, idleSeconds: 2 });
    expect(read).to.deep.include({ on: false, idleSeconds: 15, warnSeconds: 20 });
  });
});

describe('fs-kiosk', () => {
  it('serves people one after another: thanks, then a fresh form with nothing of the last', async () => {
    await setViewport({ width: 1280, height: 800 });
    const s = testStores();
    const el = await kiosk(s);
    const first = formView(el);
    expect(visibleText(el)).to.not.contain('All forms');
    await type(el, 'Name', 'Wanjiku');
    byLabel(el, 'Working').click();
    const saved = oneEvent(el, 'submission-saved');
    button(el, 'Save').click();
    await saved;
    await waitUntil(() => visibleText(el).includes('Thank you'), 'the thanks');
    expect(formView(el)).to.equal(null);
    expect(visibleText(el)).to.not.contain('Wanjiku');
    await expect(el).to.be.accessible();
    // Nothing was kept as a draft: the drafts list has nothing to show the next person.
    expect(await listDrafts(s)).to.deep.equal([]);
    const queued = await listSubmissions(s);
    expect(queued.map((q) => q.payload.answers.name)).to.deep.equal(['Wanjiku']);

    button(el, 'Start a new form').click();
    await waitUntil(() => byLabelOrNull(el, 'Name'), 'the next form');
    expect(formView(el)).to.not.equal(first);
    expect(byLabel(el, 'Name').value).to.equal('');
    expect(visibleText(el)).to.not.contain('Wanjiku');
    await expect(el).to.be.accessible();
  });

  it('asks "Still there?" after a pause in input, goes on when touched, and starts over when not', async () => {
    const s = testStores();
    const el = await kiosk(s, { idleSeconds: 1, warnSeconds: 2 });
    // A fresh, untouched form has nothing to protect: no timer until the first input.
    expect(el.idle.phase).to.equal('off');
    await type(el, 'Name', 'Otieno');
    await waitUntil(() => idleDialog(el).open, 'the warning');
    expect(visibleText(idleDialog(el))).to.contain('Still there?');
    await expect(el).to.be.accessible();
    button(el, 'Continue').click();
    await waitUntil(() => !idleDialog(el).open, 'the warning gone');
    expect(byLabel(el, 'Name').value).to.equal('Otieno');

    const before = formView(el);
    await waitUntil(() => idleDialog(el).open, 'the warning again');
    await waitUntil(() => formView(el) !== before && byLabelOrNull(el, 'Name')?.value === '', 'started over');
    expect(idleDialog(el).open).to.equal(false);
    expect(visibleText(el)).to.not.contain('Otieno');
    expect(await listSubmissions(s)).to.deep.equal([]);
    expect(el.idle.phase).to.equal('off');
  });

  it('saves what a person who walked away validly answered, unfinished, on a form configured so', async () => {
    const s = testStores();
    const saving = {
      ...reference,
      forms: reference.forms.map((f) =>
        f.id === 'all-kinds' ? { ...f, whenAbandoned: 'save' as const } : f,
      ),
    };
    const chosen = settings({ idleSeconds: 1, warnSeconds: 1 });
    await putKioskSettings(chosen, s);
    const el = await fixture<FsKiosk>(
      html`<fs-kiosk .reference=${saving} .stores=${s} .settings=${chosen} .pending=${0}></fs-kiosk>`,
    );
    await waitUntil(() => byLabelOrNull(el, 'Name'), 'the fresh form');
    await type(el, 'Name', 'Njeri');
    // Not a number of pumps the form takes: left out of what is saved.
    await type(el, 'Pumps', '99');
    await waitUntil(() => idleDialog(el).open, 'the warning');
    expect(visibleText(idleDialog(el))).to.contain('what was answered is saved, unfinished');
    await waitUntil(async () => (await listSubmissions(s)).length === 1, 'the unfinished submission');
    const [saved] = await listSubmissions(s);
    expect(saved!.payload.unfinished).to.equal(true);
    expect(saved!.payload.answers).to.deep.equal({ name: 'Njeri' });
    await waitUntil(() => byLabelOrNull(el, 'Name')?.value === '', 'a fresh form');
    expect(visibleText(el)).to.not.contain('Thank you');
    expect(visibleText(el)).to.not.contain('Njeri');
  });

  it('offers a short chooser when it serves several forms, with no timer until one is chosen', async () => {
    await setViewport({ width: 800, height: 1280 });
    const s = testStores();
    const chosen = settings({ formIds: ['all-kinds', 'water-point-inspection'] });
    const el = await fixture<FsKiosk>(
      html`<fs-kiosk .reference=${reference} .stores=${s} .settings=${chosen} .pending=${12}></fs-kiosk>`,
    );
    await waitUntil(() => visibleText(el).includes('Choose a form'), 'the chooser');
    expect(visibleText(el)).to.contain('12 waiting to send.');
    expect(el.idle.phase).to.equal('off');
    for (const b of deepAll<HTMLButtonElement>(el, 'button').filter((b) => b.checkVisibility())) {
      expect(b.getBoundingClientRect().height, b.textContent ?? '').to.be.at.least(48);
    }
    await expect(el).to.be.accessible();
    const water = reference.forms.find((f) => f.id === 'water-point-inspection')!;
    button(el, `${water.title} ${water.description}`).click();
    await waitUntil(() => visibleText(el).includes('Site'), 'the chosen form');
    expect(el.idle.phase).to.equal('waiting');
  });

  it('leaves kiosk mode only with the PIN, and says how long to wait after too many wrong ones', async () => {
    const s = testStores();
    const el = await kiosk(s);
    await type(el, 'Name', 'Achieng');
    button(el, 'Staff').click();
    const dialog = el.shadowRoot!.querySelector<HTMLDialogElement>('dialog.pin')!;
    await waitUntil(() => dialog.open, 'the PIN dialog');
    await expect(el).to.be.accessible();
    const enter = async (value: string) => {
      byLabel(el, 'Kiosk PIN').value = value;
      button(el, 'Exit kiosk mode').click();
      await waitUntil(
        () => !button(el, 'Exit kiosk mode').disabled && visibleText(dialog).includes('PIN.'),
        'checked',
      );
    };
    await enter('1357');
    expect(visibleText(dialog)).to.contain(`Wrong PIN. ${FREE_PIN_TRIES - 1} tries left`);
    const exited = oneEvent(el, 'kiosk-exit');
    byLabel(el, 'Kiosk PIN').value = PIN;
    button(el, 'Exit kiosk mode').click();
    await exited;
    expect(dialog.open).to.equal(false);
  });

  it('holds the screen on while shown, and gives it back when the kiosk goes', async () => {
    const el = await kiosk(testStores());
    await waitUntil(() => el.wakeLock.state !== 'asking' && el.wakeLock.state !== 'released', 'an answer');
    expect(el.wakeLock.state, el.wakeLock.reason).to.equal('held');
    el.remove();
    expect(el.wakeLock.state).to.equal('released');
  });
});

describe('fs-kiosk-setup', () => {
  it('checks what is chosen, stores the PIN hashed, and starts kiosk mode', async () => {
    const s = testStores();
    const el = await fixture<FsKioskSetup>(
      html`<fs-kiosk-setup .reference=${reference} .stores=${s}></fs-kiosk-setup>`,
    );
    await waitUntil(() => byLabelOrNull(el, 'Kiosk PIN'), 'the form');
    await expect(el).to.be.accessible();
    byLabel(el, 'Kiosk PIN').value = '12';
    button(el, 'Save and start kiosk mode').click();
    await waitUntil(() => visibleText(el).includes('Choose at least one form.'), 'the problems');
    expect(visibleText(el)).to.contain('Use 4 to 12 digits.');
    byLabel(el, 'Water point inspection').click();
    byLabel(el, 'Kiosk PIN').value = '8642';
    byLabel(el, 'Repeat the PIN').value = '8641';
    button(el, 'Save and start kiosk mode').click();
    await waitUntil(() => visibleText(el).includes('The two PINs differ'), 'the mismatch');
    byLabel(el, 'Repeat the PIN').value = '8642';
    const started = oneEvent(el, 'kiosk-start');
    button(el, 'Save and start kiosk mode').click();
    await started;
    const stored = (await getKioskSettings(s))!;
    expect(stored).to.deep.include({ on: true, formIds: ['water-point-inspection'], idleSeconds: 60 });
    expect(JSON.stringify(stored)).to.not.contain('8642');
    expect(await checkPin('8642', s)).to.deep.equal({ kind: 'right' });
  });

  it('asks for the PIN before its settings can be changed, but not to start again', async () => {
    const s = testStores();
    await putKioskSettings(settings({ on: false }), s);
    const el = await fixture<FsKioskSetup>(
      html`<fs-kiosk-setup .reference=${reference} .stores=${s}></fs-kiosk-setup>`,
    );
    await waitUntil(() => visibleText(el).includes('set up as a kiosk'), 'the summary');
    expect(byLabelOrNull(el, 'New kiosk PIN')).to.equal(null);
    byLabel(el, 'Kiosk PIN').value = PIN;
    button(el, 'Change settings').click();
    await waitUntil(() => byLabelOrNull(el, 'New kiosk PIN'), 'the settings form');
    const started = oneEvent(el, 'kiosk-start');
    button(el, 'Save and start kiosk mode').click();
    await started;
    // An empty new PIN keeps the old one.
    expect(await checkPin(PIN, s)).to.deep.equal({ kind: 'right' });
  });
});
