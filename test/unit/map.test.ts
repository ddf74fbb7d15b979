import { expect, fixture, html, nextFrame, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand, sendMouse } from '@web/test-runner-commands';
import { getDraft } from '../../src/core/drafts.js';
import { putPhoto } from '../../src/core/photos.js';
import type { Stores } from '../../src/core/stores.js';
import { saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import '../../src/elements/fs-map.js';
import type { FsMap } from '../../src/elements/fs-map.js';
import { MARKER_STYLE } from '../../src/map/status-style.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { SubmissionStatus } from '../../shared/outbox.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import { demoPayload, makeStoredPhoto, photoRef, testStores } from '../support/fixtures.js';
import { beforeEach, describe, it } from '../support/mocha.js';
import { button, deepAll, visibleText } from './form-support.js';

const reference: ReferenceData = {
  forms: [{ id: 'water-point-inspection', version: 1, title: 'Water point inspection', fields: [] }],
  lists: {},
};

/** The popup's button with this visible text. */
function popupButton(el: FsMap, text: string): HTMLButtonElement {
  const found = deepAll<HTMLButtonElement>(el, '.leaflet-popup-content button').filter(
    (b) => b.textContent?.trim() === text,
  );
  if (found.length !== 1) throw new Error(`Expected one popup button "${text}", found ${found.length}`);
  return found[0]!;
}

function popupButtons(el: FsMap): string[] {
  return deepAll<HTMLButtonElement>(el, '.leaflet-popup-content button').map((b) => b.textContent!.trim());
}

async function saved(
  s: Stores,
  status: SubmissionStatus,
  location: SubmissionPayload['location'] | undefined = undefined,
): Promise<SubmissionPayload> {
  const base = demoPayload([]);
  const payload = location === undefined ? base : { ...base, location };
  await saveSubmission(payload, s);
  if (status !== 'queued') {
    await updateSubmission(
      payload.id,
      (r) => ({
        ...r,
        status,
        rejection:
          status === 'rejected' ? { error: 'validation_failed', message: 'People served is missing.' } : null,
      }),
      s,
    );
  }
  return payload;
}

function at(lat: number, lon: number): SubmissionPayload['location'] {
  return { lat, lon, accuracy: 5, time: new Date().toISOString() };
}

function checkbox(el: FsMap, selector: string): HTMLInputElement {
  const box = el.shadowRoot!.querySelector<HTMLInputElement>(selector);
  if (!box) throw new Error(`No checkbox ${selector}`);
  return box;
}

function shownIds(el: FsMap): string[] {
  return el.markers.map((m) => m.id).sort();
}

describe('fs-map', () => {
  let s: Stores;
  beforeEach(() => {
    s = testStores();
  });

  async function map(): Promise<FsMap> {
    const el = await fixture<FsMap>(html`<fs-map .stores=${s} .reference=${reference}></fs-map>`);
    await el.ready;
    expect(el.error, 'no error').to.equal('');
    await el.updateComplete;
    return el;
  }

  it('asks again for base-map tiles that failed once, so no hole is left', async () => {
    const { template } = await executeServerCommand<{ template: string }, undefined>('tile-server');
    await executeServerCommand('tile-server-requests', { reset: true });
    await executeServerCommand('tile-server-fail', { count: 3, status: 503 });
    await saved(s, 'queued', at(-0.09, 34.76));
    const withTiles: ReferenceData = {
      ...reference,
      baseMap: { tileUrl: template, attribution: 'Test tiles', maxZoom: 18, subdomains: [] },
    };
    const el = await fixture<FsMap>(html`<fs-map .stores=${s} .reference=${withTiles}></fs-map>`);
    await el.ready;
    const imgs = () => [...el.shadowRoot!.querySelectorAll<HTMLImageElement>('img.leaflet-tile')];
    await waitUntil(
      () => imgs().length > 0 && imgs().every((i) => i.classList.contains('leaflet-tile-loaded')),
      'every tile shown',
      { timeout: 20_000 },
    );
    const log = await executeServerCommand<{ status: number }[], { reset: boolean }>('tile-server-requests', {
      reset: true,
    });
    expect(log!.filter((r) => r.status === 503)).to.have.length(3);
  });

  it('shows the base map when the reference data naming its tile server arrives after the map opened', async () => {
    const { template } = await executeServerCommand<{ template: string }, undefined>('tile-server');
    await saved(s, 'queued', at(-0.09, 34.76));
    const el = await fixture<FsMap>(html`<fs-map .stores=${s} .reference=${null}></fs-map>`);
    await el.ready;
    expect(el.baseMapState).to.equal('none');
    el.reference = {
      ...reference,
      baseMap: { tileUrl: template, attribution: 'Test tiles', maxZoom: 18, subdomains: [] },
    };
    const imgs = () => [...el.shadowRoot!.querySelectorAll<HTMLImageElement>('img.leaflet-tile')];
    await waitUntil(
      () => imgs().length > 0 && imgs().every((i) => i.classList.contains('leaflet-tile-loaded')),
      'every tile shown',
      { timeout: 15_000 },
    );
    expect(el.baseMapState).to.equal('shown');
    expect(visibleText(el)).to.contain('Test tiles');
  });

  it('draws a canvas marker for each located submission, styled by its status', async () => {
    const queued = await saved(s, 'queued', at(-0.09, 34.76));
    const rejected = await saved(s, 'rejected', at(-0.1, 34.8));
    const sent = await saved(s, 'sent', at(-0.2, 34.7));
    const el = await map();
    const byId = new Map(el.markers.map((m) => [m.id, m]));
    expect(byId.size).to.equal(3);
    expect(byId.get(queued.id)).to.include({ status: 'queued', color: MARKER_STYLE.queued.color });
    expect(byId.get(rejected.id)).to.include({ status: 'rejected', radius: MARKER_STYLE.rejected.radius });
    expect(byId.get(sent.id)!.radius, 'size differs, not only colour').to.be.lessThan(
      byId.get(rejected.id)!.radius,
    );
    expect(
      el.shadowRoot!.querySelectorAll('.leaflet-overlay-pane canvas').length,
      'one canvas for all points',
    ).to.equal(1);
    expect(el.shadowRoot!.querySelectorAll('.leaflet-interactive').length, 'no element per point').to.equal(
      0,
    );
    expect(visibleText(el)).to.contain('No base map is available');
    expect(el.shadowRoot!.querySelector('.leaflet-control-scale'), 'a scale').to.not.equal(null);
  });

  it('paints the points first, then renders the lists, and stays one canvas after redrawing', async () => {
    const queued = await saved(s, 'queued', at(-0.09, 34.76));
    await saved(s, 'sent', at(-0.1, 34.8));
    const el = await fixture<FsMap>(html`<fs-map .stores=${s} .reference=${reference}></fs-map>`);
    await el.pointsShown;
    expect(el.drawnCounts, 'the points are on the canvas').to.deep.include({ queued: 1, sent: 1 });
    expect(el.shadowRoot!.querySelector('ul.shown'), 'the lists come after').to.equal(null);
    await el.ready;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelectorAll('ul.shown li').length).to.equal(2);
    // A redraw puts its canvas in place of the last one.
    el.centre(-0.09, 34.76, 15);
    await waitUntil(() => el.drawnCounts.sent === 0, 'a redraw with only the queued point in view');
    expect(el.shadowRoot!.querySelectorAll('.leaflet-overlay-pane canvas').length).to.equal(1);
    expect(el.pointOnScreen(queued.id), 'still placed').to.not.equal(null);
  });

  it('restyles a marker in place when its submission changes status', async () => {
    const p = await saved(s, 'queued', at(-0.09, 34.76));
    const el = await map();
    const before = el.markers[0]!;
    await updateSubmission(p.id, (r) => ({ ...r, status: 'waiting' }), s);
    await waitUntil(() => el.markers[0]?.status === 'waiting', 'the marker shows Waiting');
    const after = el.markers[0]!;
    expect(after.layerId, 'the same layer').to.equal(before.layerId);
    expect(after.color).to.equal(MARKER_STYLE.waiting.color);
    const item = deepAll<HTMLElement>(el, 'ul.shown li')[0]!;
    expect(visibleText(item)).to.contain('Waiting');
  });

  it('adds a marker for a newly saved submission and counts it in the legend', async () => {
    await saved(s, 'queued', at(-0.09, 34.76));
    const el = await map();
    const p = await saved(s, 'queued', at(1, 35));
    await waitUntil(() => el.markers.length === 2, 'a second marker');
    expect(shownIds(el)).to.include(p.id);
    await el.updateComplete;
    expect(visibleText(el.shadowRoot!.querySelector('[data-status="queued"]')!)).to.contain('2');
  });

  it('hides and shows markers with the status filters', async () => {
    const queued = await saved(s, 'queued', at(-0.09, 34.76));
    const sent = await saved(s, 'sent', at(-0.2, 34.7));
    const el = await map();
    checkbox(el, 'input[value="sent"]').click();
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal([queued.id]);
    expect(deepAll(el, 'ul.shown li').length).to.equal(1);
    checkbox(el, 'input[value="sent"]').click();
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal([queued.id, sent.id].sort());
  });

  it('shows only what the server has not accepted with "Only pending"', async () => {
    const ids = [
      (await saved(s, 'queued', at(0, 30))).id,
      (await saved(s, 'waiting', at(0, 31))).id,
      (await saved(s, 'rejected', at(0, 32))).id,
    ];
    await saved(s, 'sent', at(0, 33));
    const el = await map();
    expect(el.markers.length).to.equal(4);
    checkbox(el, 'input[name="only-pending"]').click();
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal(ids.sort());
  });

  it('lists submissions without a location beside the map', async () => {
    await saved(s, 'queued', at(0, 30));
    const none = [await saved(s, 'queued', null), await saved(s, 'rejected', null)];
    const el = await map();
    expect(el.markers.length).to.equal(1);
    expect(visibleText(el)).to.contain('2 submissions have no location');
    const listed = deepAll<HTMLElement>(el, 'ul.unlocated li').map((li) => li.dataset.id);
    expect(listed.sort()).to.deep.equal(none.map((p) => p.id).sort());
  });

  it('counts each status in the legend', async () => {
    await saved(s, 'queued', at(0, 30));
    await saved(s, 'queued', null);
    await saved(s, 'rejected', at(0, 31));
    await saved(s, 'sent', at(0, 32));
    const el = await map();
    const count = (status: string) =>
      visibleText(el.shadowRoot!.querySelector(`[data-status="${status}"] .count`)!).trim();
    expect(count('queued')).to.equal('2');
    expect(count('rejected')).to.equal('1');
    expect(count('sent')).to.equal('1');
    expect(count('waiting')).to.equal('0');
  });

  it("opens a popup with the form, status and the server's message", async () => {
    const p = await saved(s, 'rejected', at(0, 30));
    const el = await map();
    el.openPopup(p.id);
    const popup = el.shadowRoot!.querySelector<HTMLElement>('.leaflet-popup-content');
    expect(popup, 'a popup').to.not.equal(null);
    expect(visibleText(popup!)).to.contain('Water point inspection').and.contain('Rejected');
    expect(visibleText(popup!)).to.contain('People served is missing.');
  });

  it('opens on a world view when nothing has a location', async () => {
    await saved(s, 'queued', null);
    const el = await map();
    expect(el.markers.length).to.equal(0);
    expect(visibleText(el)).to.contain('1 submission has no location');
  });

  it('filters by form', async () => {
    const water = await saved(s, 'queued', at(0, 30));
    const other = { ...demoPayload([]), formId: 'household-visit', location: at(0, 31) };
    await saveSubmission(other, s);
    const el = await map();
    expect(el.markers.length).to.equal(2);
    const select = el.shadowRoot!.querySelector<HTMLSelectElement>('select[name="form"]')!;
    expect([...select.options].map((o) => o.textContent!.trim())).to.deep.equal([
      'All forms',
      'household-visit',
      'Water point inspection',
    ]);
    select.value = 'household-visit';
    select.dispatchEvent(new Event('change'));
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal([other.id]);
    select.value = '';
    select.dispatchEvent(new Event('change'));
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal([water.id, other.id].sort());
  });

  it('shows where photos were taken, and says when one is far from the record', async () => {
    const near = { ...(await makeStoredPhoto(1)), geotag: null };
    const far = await makeStoredPhoto(2);
    // About 2.2 km north of the record's location.
    far.geotag = { lat: 0.02, lon: 30, accuracy: 10, time: null, source: 'exif' };
    const nearTagged = await makeStoredPhoto(3);
    nearTagged.geotag = { lat: 0.0005, lon: 30, accuracy: 10, time: null, source: 'exif' };
    for (const p of [near, far, nearTagged]) await putPhoto(p, s);
    const payload = {
      ...demoPayload([]),
      location: at(0, 30),
      photos: [near, far, nearTagged].map((p) => photoRef(p)),
    };
    await saveSubmission(payload, s);
    const el = await map();
    expect(el.photoMarkers, 'hidden until asked for').to.deep.equal([]);
    checkbox(el, 'input[name="photos"]').click();
    await el.updateComplete;
    const photos = el.photoMarkers;
    expect(photos.map((p) => p.sha256).sort(), 'only geotagged photos').to.deep.equal(
      [far.sha256, nearTagged.sha256].sort(),
    );
    expect(photos.find((p) => p.sha256 === far.sha256)).to.include({ far: true, submissionId: payload.id });
    expect(photos.find((p) => p.sha256 === nearTagged.sha256)!.far).to.equal(false);
    el.openPopup(payload.id);
    const popup = el.shadowRoot!.querySelector<HTMLElement>('.leaflet-popup-content')!;
    expect(visibleText(popup)).to.contain("Photo 2 was taken 2.2 km from the record's location.");
    expect(visibleText(popup)).to.not.contain('Photo 3 was taken');
    await waitUntil(() => popup.querySelectorAll('.thumbs img').length === 3, 'three thumbnails');
    const img = popup.querySelector<HTMLImageElement>('.thumbs img')!;
    await waitUntil(() => img.complete && img.naturalWidth > 0, 'the thumbnail decodes');
    expect(img.alt).to.equal('Photo 1 of 3');
  });

  it('names the form in an open popup once the reference data arrives', async () => {
    const p = await saved(s, 'sent', at(0, 30));
    const el = await fixture<FsMap>(html`<fs-map .stores=${s} .reference=${null}></fs-map>`);
    await el.ready;
    el.openPopup(p.id);
    const popup = () => el.shadowRoot!.querySelector<HTMLElement>('.leaflet-popup-content')!;
    expect(visibleText(popup())).to.contain('water-point-inspection');
    el.reference = reference;
    await el.updateComplete;
    expect(visibleText(popup())).to.contain('Water point inspection');
    expect(popupButton(el, 'Open').getAttribute('aria-label')).to.match(/^Open Water point inspection/);
  });

  it('opens a submission in the outbox from its popup', async () => {
    const p = await saved(s, 'sent', at(0, 30));
    const el = await map();
    el.openPopup(p.id);
    expect(popupButtons(el), 'nothing to send or fix').to.deep.equal(['Open']);
    const navigated = oneEvent(el, 'fs-navigate');
    popupButton(el, 'Open').click();
    expect((await navigated).detail).to.deep.equal({ path: `/outbox/${p.id}` });
  });

  it('asks to send a pending submission now from its popup', async () => {
    const p = await saved(s, 'waiting', at(0, 30));
    const el = await map();
    el.openPopup(p.id);
    expect(popupButtons(el)).to.deep.equal(['Open', 'Send now']);
    const asked = oneEvent(el, 'send-now');
    popupButton(el, 'Send now').click();
    expect((await asked).detail).to.deep.equal({ id: p.id });
  });

  it('opens a rejected submission for correction from its popup', async () => {
    const p = await saved(s, 'rejected', at(0, 30));
    const el = await map();
    el.openPopup(p.id);
    expect(popupButtons(el)).to.deep.equal(['Open', 'Fix']);
    const navigated = oneEvent(el, 'fs-navigate');
    popupButton(el, 'Fix').click();
    const { path } = (await navigated).detail as { path: string };
    expect(path).to.equal(`/drafts/${p.id}`);
    const draft = await getDraft(p.id, s);
    expect(draft?.correcting, 'a correction draft holds the answers').to.equal(true);
  });

  it("opens on the device's position when nothing has a location and location is allowed", async () => {
    await executeServerCommand('set-geolocation-permission', { state: 'granted' });
    await executeServerCommand('set-geolocation', { latitude: -1.2921, longitude: 36.8219, accuracy: 20 });
    // The map accepts a fix up to minutes old: make the browser's latest fix this one, not an earlier test's.
    await new Promise((resolve, reject) =>
      navigator.geolocation.getCurrentPosition(resolve, reject, { maximumAge: 0 }),
    );
    try {
      await saved(s, 'queued', null);
      const el = await map();
      await waitUntil(() => {
        const v = el.view;
        return v !== null && v.zoom === 13;
      }, 'the map centres on the device');
      const { bounds } = el.view!;
      expect((bounds.south + bounds.north) / 2).to.be.closeTo(-1.2921, 0.01);
      expect((bounds.west + bounds.east) / 2).to.be.closeTo(36.8219, 0.01);
    } finally {
      await executeServerCommand('clear-geolocation');
      await executeServerCommand('set-geolocation-permission', { state: 'prompt' });
    }
  });

  it('draws a grid and says so when no tile server is configured', async () => {
    await saved(s, 'queued', at(0, 30));
    const el = await map();
    expect(el.baseMapState).to.equal('none');
    expect(
      el.shadowRoot!.querySelectorAll('.leaflet-tile-pane .grid-tile').length,
      'grid tiles',
    ).to.be.greaterThan(0);
    expect(el.shadowRoot!.querySelectorAll('.leaflet-tile-pane img').length, 'no image tiles').to.equal(0);
    expect(visibleText(el)).to.contain('no tile server is configured');
  });

  it('lists the submissions in view, most urgent first, a page at a time', async () => {
    for (let i = 0; i < 55; i++) await saved(s, 'sent', at(0.001 * i, 30));
    const rejected = await saved(s, 'rejected', at(0.02, 30.01));
    const far = await saved(s, 'queued', at(5, 40));
    const el = await map();
    const listed = () => deepAll<HTMLElement>(el, 'ul.shown li').map((li) => li.dataset.id);
    expect(listed().length, 'one page').to.equal(50);
    expect(listed()[0], 'the rejected one first').to.equal(rejected.id);
    expect(listed().slice(1, 2), 'then the queued one').to.deep.equal([far.id]);
    button(el, 'Show 7 more').click();
    await el.updateComplete;
    expect(listed().length).to.equal(57);

    el.centre(0.02, 30.01, 15);
    await waitUntil(() => !listed().includes(far.id), 'the list follows the view');
    expect(listed()).to.include(rejected.id);
    expect(listed().length).to.be.lessThan(57);
    expect(visibleText(el.shadowRoot!.querySelector('#shown')!)).to.contain(`of 57 shown`);
  });

  /**
   * A real mouse click where the submission's point is drawn, once the map is
   * still: an open popup pans the map into view, and on a slow machine that
   * pan is still under way when the popup's text is there.
   */
  async function tapPoint(el: FsMap, id: string, dx = 0, dy = 0): Promise<void> {
    let p = el.pointOnScreen(id);
    for (let still = 0; still < 3;) {
      await nextFrame();
      const now = el.pointOnScreen(id);
      const same = now === null || p === null ? now === p : now.x === p.x && now.y === p.y;
      still = same ? still + 1 : 0;
      p = now;
    }
    if (!p) throw new Error(`No point for ${id}`);
    await sendMouse({ type: 'click', position: [Math.round(p.x + dx), Math.round(p.y + dy)] });
  }

  const popupText = (el: FsMap) => {
    const popup = el.shadowRoot!.querySelector<HTMLElement>('.leaflet-popup-content');
    return popup ? visibleText(popup) : '';
  };

  it('draws each status as many times as it has points, and a tap on a point opens its submission', async () => {
    const rejected = await saved(s, 'rejected', at(0, 30));
    // About 110 m away: a few pixels apart at the fitted zoom, so the tap must tell them apart.
    const queued = await saved(s, 'queued', at(0.001, 30.001));
    await saved(s, 'sent', at(0.01, 30.01));
    await saved(s, 'sent', at(-0.01, 29.99));
    const el = await map();
    await waitUntil(() => el.drawnCounts.sent === 2, 'the points drawn');
    expect(el.drawnCounts).to.deep.equal({ sent: 2, sending: 0, queued: 1, waiting: 0, rejected: 1 });

    await tapPoint(el, queued.id, 1, 1);
    await waitUntil(() => popupText(el).includes('Queued'), "the queued submission's popup");
    expect(popupButtons(el)).to.deep.equal(['Open', 'Send now']);
    await tapPoint(el, rejected.id);
    await waitUntil(() => popupText(el).includes('People served is missing.'), "the rejected one's popup");
    expect(el.shadowRoot!.querySelectorAll('.leaflet-popup').length, 'one popup at a time').to.equal(1);
  });

  it('neither draws nor opens a point hidden by a filter', async () => {
    const sent = await saved(s, 'sent', at(0, 30));
    await saved(s, 'queued', at(0.01, 30.01));
    const el = await map();
    await waitUntil(() => el.drawnCounts.sent === 1, 'the points drawn');
    checkbox(el, 'input[name="only-pending"]').click();
    await waitUntil(() => el.drawnCounts.sent === 0, 'the sent point hidden');
    expect(el.drawnCounts.queued).to.equal(1);
    await tapPoint(el, sent.id);
    expect(el.shadowRoot!.querySelector('.leaflet-popup'), 'no popup').to.equal(null);
  });

  it('redraws after a pan and a zoom, and a tap still finds the point under it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push((await saved(s, i % 4 ? 'sent' : 'waiting', at(0, 30 + i * 0.01))).id);
    const el = await map();
    await waitUntil(() => (el.drawnCounts.sent ?? 0) + (el.drawnCounts.waiting ?? 0) === 20, 'all drawn');
    el.centre(0, 30.08, 17);
    // At zoom 17 the points are about 930 px apart: only the one in the middle is drawn (the canvas reaches
    // half the view's width beyond each side).
    await waitUntil(
      () => el.drawnCounts.waiting === 1 && el.drawnCounts.sent === 0,
      'only the point in view',
    );
    await tapPoint(el, ids[8]!);
    await waitUntil(() => popupText(el).includes('Waiting'), 'its popup');
    expect(popupButton(el, 'Open').getAttribute('aria-label')).to.match(/^Open Water point inspection/);
  });
});
