import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import type { FieldDef } from '../../shared/forms.js';
import { getPhoto } from '../../src/core/photos.js';
import { StorageFullError, type Stores } from '../../src/core/stores.js';
import type { AnswerChangeDetail } from '../../src/elements/fs-field.js';
import type { FsPhotoField } from '../../src/elements/fs-photo-field.js';
import '../../src/elements/fs-photo-field.js';
import { PhotoError } from '../../src/photos/process-photo.js';
import { fullDiskStores, testStores } from '../support/fixtures.js';
import { makeJpeg, type MakeJpegOptions } from '../support/make-jpeg.js';
import { button, byLabel, chooseFiles, deepAll, hasButton, visibleText } from './form-support.js';
import { beforeEach, describe, it } from '../support/mocha.js';

const FIELD: FieldDef = { name: 'pictures', type: 'photo', label: 'Pictures', max: { value: 2 } };

let stores: Stores;

beforeEach(() => {
  stores = testStores();
});

async function jpeg(name: string, options: Partial<MakeJpegOptions> = {}): Promise<File> {
  return new File([await makeJpeg({ width: 400, height: 300, ...options })], name, { type: 'image/jpeg' });
}

async function field(def: FieldDef = FIELD, s: Stores = stores): Promise<FsPhotoField> {
  return fixture<FsPhotoField>(html`<fs-photo-field .field=${def} .stores=${s}></fs-photo-field>`);
}

/** Collects the next n answers the field reports. */
function answers(el: Element, n: number): Promise<AnswerChangeDetail[]> {
  return new Promise((resolve) => {
    const seen: AnswerChangeDetail[] = [];
    const listener = (e: Event) => {
      seen.push((e as CustomEvent<AnswerChangeDetail>).detail);
      if (seen.length === n) {
        el.removeEventListener('answer-change', listener);
        resolve(seen);
      }
    };
    el.addEventListener('answer-change', listener);
  });
}

function thumbnails(el: Element): HTMLImageElement[] {
  return deepAll<HTMLImageElement>(el, '.thumbs img');
}

describe('fs-photo-field', () => {
  it("gives focus to the new photo's Remove button once it is added, so Tab order carries on from there", async () => {
    const el = await field();
    const input = byLabel(el, 'Take or choose photos');
    input.focus();
    const done = answers(el, 1);
    chooseFiles(input, [await jpeg('a.jpg')]);
    await done;
    await waitUntil(() => !el.hasAttribute('busy'), 'processing finished', { timeout: 20_000 });
    await el.updateComplete;
    // Focus moves in the same task that clears the busy state.
    await new Promise((r) => setTimeout(r));
    expect(el.shadowRoot?.activeElement).to.equal(button(el, 'Remove photo 1'));
  });

  it('stores each photo at once, shows progress and thumbnails, and answers with the hashes', async () => {
    const el = await field();
    const input = byLabel(el, 'Take or choose photos');
    const done = answers(el, 2);
    chooseFiles(input, [await jpeg('a.jpg'), await jpeg('b.jpg', { width: 300, height: 400 })]);
    await el.updateComplete;
    expect(visibleText(el)).to.include('Processing 1 of 2…');

    const [first, second] = await done;
    expect(first?.value).to.have.length(1);
    const hashes = second?.value as string[];
    expect(hashes).to.have.length(2);
    expect(hashes[0]).to.equal((first?.value as string[])[0]);
    for (const h of hashes) expect(h).to.match(/^[0-9a-f]{64}$/);
    const stored = await Promise.all(hashes.map((h) => getPhoto(h, stores)));
    expect(stored.map((p) => [p?.width, p?.height])).to.deep.equal([
      [400, 300],
      [300, 400],
    ]);

    await el.updateComplete;
    expect(visibleText(el)).not.to.include('Processing');
    expect(thumbnails(el).map((img) => img.alt)).to.deep.equal(['Photo 1', 'Photo 2']);
    for (const img of thumbnails(el)) {
      expect(img.src).to.match(/^blob:/);
      await img.decode();
    }
    expect(hasButton(el, 'Remove photo 1')).to.equal(true);
    expect(hasButton(el, 'Remove photo 2')).to.equal(true);
  });

  it('removes a photo and releases its thumbnail', async () => {
    const el = await field();
    const done = answers(el, 2);
    chooseFiles(byLabel(el, 'Take or choose photos'), [
      await jpeg('a.jpg'),
      await jpeg('b.jpg', { width: 200 }),
    ]);
    const hashes = (await done)[1]?.value as string[];
    await el.updateComplete;
    const firstUrl = thumbnails(el)[0]?.src ?? '';

    const removed = answers(el, 1);
    button(el, 'Remove photo 1').click();
    expect((await removed)[0]?.value).to.deep.equal([hashes[1]]);
    await el.updateComplete;
    expect(thumbnails(el).map((img) => img.alt)).to.deep.equal(['Photo 1']);
    let error: unknown;
    try {
      await fetch(firstUrl);
    } catch (e) {
      error = e;
    }
    expect(error, 'the object URL is revoked').to.be.instanceOf(TypeError);

    const emptied = answers(el, 1);
    button(el, 'Remove photo 1').click();
    expect((await emptied)[0]?.value).to.equal(undefined);
    // The photo stays stored: start-up tidying removes it once nothing refers to it.
    expect(await getPhoto(hashes[0] ?? '', stores)).to.not.equal(undefined);
  });

  it('refuses photos beyond the most the question takes, naming the limit', async () => {
    const el = await field();
    const done = answers(el, 2);
    chooseFiles(byLabel(el, 'Take or choose photos'), [
      await jpeg('a.jpg'),
      await jpeg('b.jpg', { width: 500 }),
      await jpeg('c.jpg', { width: 600 }),
    ]);
    await el.updateComplete;
    expect(visibleText(el)).to.include(
      'This question takes at most 2 photos, so 1 of the 3 chosen was not added.',
    );
    expect((await done)[1]?.value).to.have.length(2);
    await el.updateComplete;
    expect(thumbnails(el)).to.have.length(2);
    expect(visibleText(el)).to.include('2 of at most 2 photos: remove one to add another.');
    expect(byLabel(el, 'Take or choose photos').disabled).to.equal(true);
  });

  it('reports a file that is not a photo and keeps the others', async () => {
    const el = await field();
    const done = answers(el, 1);
    chooseFiles(byLabel(el, 'Take or choose photos'), [
      new File(['just text'], 'notes.txt', { type: 'text/plain' }),
      await jpeg('a.jpg'),
    ]);
    expect((await done)[0]?.value).to.have.length(1);
    await el.updateComplete;
    const alert = el.shadowRoot?.querySelector('[role=alert]');
    expect(visibleText(alert as Element)).to.equal(new PhotoError('not-an-image', 'notes.txt').message);
    expect(thumbnails(el)).to.have.length(1);
  });

  it('says so when the device is out of storage', async function () {
    this.timeout(30000);
    const full = await fullDiskStores(64 * 1024);
    const el = await field({ ...FIELD, max: { value: 5 } }, full);
    chooseFiles(byLabel(el, 'Take or choose photos'), [
      await jpeg('big.jpg', { width: 1600, height: 1200, noise: true }),
    ]);
    await waitUntil(() => visibleText(el).includes(new StorageFullError().message), 'no storage message', {
      timeout: 20000,
    });
    expect(thumbnails(el)).to.have.length(0);
    expect(el.value).to.equal(undefined);
  });

  it("geotags a photo without GPS with the device's position, and keeps a photo's own GPS", async () => {
    await executeServerCommand('set-geolocation-permission', { state: 'granted' });
    await executeServerCommand('set-geolocation', { latitude: 1.5, longitude: 2.5, accuracy: 9 });
    // The browser answers from a position up to a minute old: let it learn the new one first.
    await new Promise((resolve) =>
      navigator.geolocation.getCurrentPosition(resolve, resolve, { maximumAge: 0 }),
    );
    const el = await field();
    const done = answers(el, 2);
    chooseFiles(byLabel(el, 'Take or choose photos'), [
      await jpeg('plain.jpg'),
      await jpeg('gps.jpg', { width: 320, gps: { lat: -0.2, lon: 34.5 } }),
    ]);
    const hashes = (await done)[1]?.value as string[];
    const [plain, tagged] = await Promise.all(hashes.map((h) => getPhoto(h, stores)));
    expect(plain?.geotag).to.include({ lat: 1.5, lon: 2.5, accuracy: 9, source: 'device' });
    expect(tagged?.geotag).to.include({ source: 'exif' });
    expect(tagged?.geotag?.lat).to.be.closeTo(-0.2, 1e-6);
    await el.updateComplete;
    const text = visibleText(el);
    expect(text).to.include('Location from the device');
    expect(text).to.include('Location from the photo');
  });

  it('uses the latest device position it is given, and none when location is not allowed', async () => {
    await executeServerCommand('set-geolocation-permission', { state: 'denied' });
    const el = await field();
    const first = answers(el, 1);
    chooseFiles(byLabel(el, 'Take or choose photos'), [await jpeg('a.jpg')]);
    const [a] = (await first)[0]?.value as string[];
    expect((await getPhoto(a ?? '', stores))?.geotag).to.equal(null);

    el.deviceFix = { lat: 5, lon: 6, accuracy: 4, time: new Date().toISOString() };
    const second = answers(el, 1);
    chooseFiles(byLabel(el, 'Take or choose photos'), [await jpeg('b.jpg', { width: 200 })]);
    const [, b] = (await second)[0]?.value as string[];
    expect((await getPhoto(b ?? '', stores))?.geotag).to.include({
      lat: 5,
      lon: 6,
      accuracy: 4,
      source: 'device',
    });
  });

  it('shows photos already in the answer, and one missing from the device', async () => {
    const el = await field();
    const done = answers(el, 1);
    chooseFiles(byLabel(el, 'Take or choose photos'), [await jpeg('a.jpg')]);
    const [hash] = (await done)[0]?.value as string[];

    const again = await fixture<FsPhotoField>(
      html`<fs-photo-field
        .field=${FIELD}
        .stores=${stores}
        .value=${[hash, 'ab'.repeat(32)]}
      ></fs-photo-field>`,
    );
    await waitUntil(
      () => thumbnails(again).length === 1 && visibleText(again).includes('Missing from this device'),
    );
    expect(thumbnails(again)[0]?.alt).to.equal('Photo 1');
    expect(deepAll(again, '[role=img]')[0]?.getAttribute('aria-label')).to.equal(
      'Photo 2, missing from this device',
    );
  });

  it('refuses the same photo twice', async () => {
    const el = await field();
    const file = await jpeg('a.jpg');
    const first = answers(el, 1);
    chooseFiles(byLabel(el, 'Take or choose photos'), [file]);
    await first;
    const changed = oneEvent(el, 'answer-change');
    let fired = false;
    void changed.then(() => (fired = true));
    chooseFiles(byLabel(el, 'Take or choose photos'), [file]);
    await waitUntil(() => visibleText(el).includes('“a.jpg” is already added.'));
    expect(fired).to.equal(false);
    expect(el.value).to.have.length(1);
  });
});
