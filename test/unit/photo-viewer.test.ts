// Photos full size with zoom: the buttons, the keyboard, the wheel, moving between photos, and closing.
import { expect, fixture, html } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../src/elements/fs-photo-viewer.js';
import type { FsPhotoViewer, ViewedPhoto } from '../../src/elements/fs-photo-viewer.js';
import { after, before, describe, it } from '../support/mocha.js';
import { button, visibleText } from './form-support.js';

const urls: string[] = [];

async function photoUrl(width: number, height: number, hue: number): Promise<string> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = `hsl(${hue} 70% 50%)`;
  ctx.fillRect(0, 0, width, height);
  const url = URL.createObjectURL(await canvas.convertToBlob({ type: 'image/jpeg' }));
  urls.push(url);
  return url;
}

let photos: ViewedPhoto[];

before(async () => {
  photos = [
    { src: await photoUrl(1600, 1200, 200), alt: 'Photo 1: Meter', caption: 'Taken at -0.10000, 34.70000.' },
    { src: await photoUrl(900, 1600, 30), alt: 'Photo 2: Tap', caption: '' },
  ];
});

after(async () => {
  for (const url of urls) URL.revokeObjectURL(url);
  await setViewport({ width: 800, height: 600 });
});

const dialogOf = (viewer: FsPhotoViewer): HTMLDialogElement => viewer.shadowRoot!.querySelector('dialog')!;
const zoomText = (viewer: FsPhotoViewer): string =>
  viewer.shadowRoot!.querySelector('output')?.textContent?.trim() ?? '';
const title = (viewer: FsPhotoViewer): string => viewer.shadowRoot!.querySelector('h2')?.textContent ?? '';
/** The scale the image is drawn at, as the browser computes its transform. */
function drawnScale(viewer: FsPhotoViewer): number {
  const img = viewer.shadowRoot!.querySelector('.stage img')!;
  return new DOMMatrixReadOnly(getComputedStyle(img).transform).a;
}

async function opened(): Promise<{ viewer: FsPhotoViewer; opener: HTMLButtonElement }> {
  const host = await fixture<HTMLDivElement>(
    html`<div>
      <button type="button">Zoom the meter</button>
      <fs-photo-viewer .photos=${photos}></fs-photo-viewer>
    </div>`,
  );
  const opener = host.querySelector('button')!;
  const viewer = host.querySelector('fs-photo-viewer')!;
  opener.focus();
  await viewer.show(0);
  const img = viewer.shadowRoot!.querySelector<HTMLImageElement>('.stage img')!;
  await waitUntil(() => img.complete && img.naturalWidth === 1600, 'the photo drawn');
  return { viewer, opener };
}

describe('fs-photo-viewer', () => {
  it('opens a photo as a dialog named after it, fitted, and zooms with the buttons', async () => {
    await setViewport({ width: 1280, height: 800 });
    const { viewer } = await opened();
    expect(dialogOf(viewer).open).to.equal(true);
    expect(title(viewer)).to.equal('Photo 1: Meter (1 of 2)');
    expect(visibleText(viewer)).to.contain('Taken at -0.10000, 34.70000.');
    expect(zoomText(viewer)).to.equal('100%');
    expect(button(viewer, 'Zoom out').disabled).to.equal(true);
    // Fitted: the whole photo inside the dialog.
    const img = viewer.shadowRoot!.querySelector('.stage img')!.getBoundingClientRect();
    const stage = viewer.shadowRoot!.querySelector('.stage')!.getBoundingClientRect();
    expect(img.width).to.be.at.most(stage.width + 0.5);
    expect(img.height).to.be.at.most(stage.height + 0.5);
    await expect(viewer).to.be.accessible();

    button(viewer, 'Zoom in').click();
    await waitUntil(() => zoomText(viewer) === '200%', 'zoomed in');
    await waitUntil(() => Math.abs(drawnScale(viewer) - 2) < 0.01, 'drawn larger');
    button(viewer, 'Zoom in').click();
    await waitUntil(() => zoomText(viewer) === '400%', 'zoomed in again');
    button(viewer, 'Zoom out').click();
    await waitUntil(() => zoomText(viewer) === '200%', 'zoomed out');
    button(viewer, 'Fit to screen').click();
    await waitUntil(() => zoomText(viewer) === '100%', 'fitted again');
    dialogOf(viewer).close();
  });

  it('zooms with the keyboard and the wheel, and moves between photos only at fit size', async () => {
    const { viewer } = await opened();
    await sendKeys({ press: '+' });
    await waitUntil(() => zoomText(viewer) === '200%', 'zoomed with +');
    await sendKeys({ press: 'ArrowRight' });
    expect(title(viewer)).to.equal('Photo 1: Meter (1 of 2)');
    await sendKeys({ press: '0' });
    await waitUntil(() => zoomText(viewer) === '100%', 'fitted with 0');

    const stage = viewer.shadowRoot!.querySelector('.stage')!;
    const box = stage.getBoundingClientRect();
    stage.dispatchEvent(
      new WheelEvent('wheel', {
        deltaY: -100,
        clientX: box.x + box.width / 2,
        clientY: box.y + box.height / 2,
        bubbles: true,
        cancelable: true,
        composed: true,
      }),
    );
    await waitUntil(() => zoomText(viewer) !== '100%', 'zoomed with the wheel');
    await sendKeys({ press: '0' });
    await waitUntil(() => zoomText(viewer) === '100%', 'fitted');

    await sendKeys({ press: 'ArrowRight' });
    await waitUntil(() => title(viewer) === 'Photo 2: Tap (2 of 2)', 'the next photo');
    expect(button(viewer, 'Next photo').disabled).to.equal(true);
    expect(viewer.shadowRoot!.querySelector('img')!.getAttribute('alt')).to.equal('Photo 2: Tap');
    button(viewer, 'Previous photo').click();
    await waitUntil(() => title(viewer) === 'Photo 1: Meter (1 of 2)', 'back to the first');
    dialogOf(viewer).close();
  });

  it('closes with Escape and gives focus back to what opened it', async () => {
    const { viewer, opener } = await opened();
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !dialogOf(viewer).open, 'closed');
    expect(document.activeElement === opener, 'focus on the opener').to.equal(true);
    expect(viewer.shadowRoot!.querySelector('img')).to.equal(null);
  });

  it('stays on the photo opened next when it is opened again before it has finished closing', async () => {
    const { viewer } = await opened();
    const dialog = dialogOf(viewer);
    // The dialog's "close" event comes a task after closing: here, after it is open again.
    const closed = new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
    button(viewer, 'Close').click();
    const shown = viewer.show(1);
    await closed;
    await shown;
    expect(dialog.open).to.equal(true);
    expect(title(viewer)).to.equal('Photo 2: Tap (2 of 2)');
    expect(viewer.shadowRoot!.querySelector('img')!.getAttribute('alt')).to.equal('Photo 2: Tap');
    dialog.close();
  });

  it('fits a narrow phone screen with every control reachable', async () => {
    await setViewport({ width: 320, height: 640 });
    const { viewer } = await opened();
    const dialog = dialogOf(viewer);
    expect(dialog.scrollWidth).to.be.at.most(dialog.clientWidth);
    for (const name of ['Zoom in', 'Close', 'Next photo']) {
      expect(button(viewer, name).getBoundingClientRect().height).to.be.at.least(44);
    }
    await expect(viewer).to.be.accessible();
    dialog.close();
  });
});
