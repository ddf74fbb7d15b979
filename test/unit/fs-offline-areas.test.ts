// The "Save this area for offline" controls, against the real tile server of the test set-up.
import { expect, fixture, html } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import { countTiles, type BaseMapConfig, type LatLonBounds } from '../../shared/base-map.js';
import type { Stores } from '../../src/core/stores.js';
import '../../src/elements/fs-offline-areas.js';
import type { FsOfflineAreas, MapView } from '../../src/elements/fs-offline-areas.js';
import { OfflineAreas } from '../../src/map/offline-areas.js';
import { testStores } from '../support/fixtures.js';
import { afterEach, before, beforeEach, describe, it } from '../support/mocha.js';
import { button, byLabel, deepAll, visibleText } from './form-support.js';

const KISUMU: LatLonBounds = { south: -0.12, west: 34.72, north: -0.06, east: 34.8 };
const KENYA: LatLonBounds = { south: -4.7, west: 33.9, north: 5.0, east: 41.9 };

describe('fs-offline-areas', () => {
  let baseMap: BaseMapConfig;
  let s: Stores;
  let savedCache: string;
  let downloads: OfflineAreas;

  before(async () => {
    const { template } = await executeServerCommand<{ template: string }, undefined>('tile-server');
    baseMap = { tileUrl: template, attribution: 'Test tiles', maxZoom: 18, subdomains: [] };
  });

  beforeEach(async () => {
    await executeServerCommand('tile-server-latency', { ms: 0 });
    s = testStores();
    savedCache = `test-saved-${crypto.randomUUID()}`;
    downloads = new OfflineAreas({ stores: s, savedCache, seenCache: `test-seen-${crypto.randomUUID()}` });
  });

  afterEach(async () => {
    await executeServerCommand('tile-server-latency', { ms: 0 });
    await caches.delete(savedCache);
  });

  async function controls(view: MapView, map: BaseMapConfig | null = baseMap): Promise<FsOfflineAreas> {
    const el = await fixture<FsOfflineAreas>(
      html`<fs-offline-areas
        .baseMap=${map}
        .view=${view}
        .stores=${s}
        .downloads=${downloads}
      ></fs-offline-areas>`,
    );
    await waitUntil(() => el.areas !== null, 'saved areas read');
    return el;
  }

  function status(el: FsOfflineAreas): string {
    return visibleText(el.shadowRoot!.querySelector('[role="status"]')!);
  }

  async function savedTiles(): Promise<number> {
    return (await (await caches.open(savedCache)).keys()).length;
  }

  it('shows nothing when there is no base map to save', async () => {
    const el = await controls({ bounds: KISUMU, zoom: 12 }, null);
    expect(el.shadowRoot!.children.length).to.equal(0);
  });

  it('counts the tiles first, then saves the area with progress, lists it, and deletes it', async () => {
    const el = await controls({ bounds: KISUMU, zoom: 12 });
    button(el, 'Save this area for offline…').click();
    await waitUntil(() => el.plan !== null, 'the area is planned');
    const count = countTiles(KISUMU, 12, 15);
    expect(byLabel<HTMLSelectElement>(el, 'From zoom').value).to.equal('12');
    expect(byLabel<HTMLSelectElement>(el, 'To zoom').value, 'three zooms deeper by default').to.equal('15');
    expect(status(el))
      .to.contain(`${count.toLocaleString()} tiles, about`)
      .and.contain('free on this device');

    // A narrower range: the count follows.
    const to = byLabel<HTMLSelectElement>(el, 'To zoom');
    to.value = '13';
    to.dispatchEvent(new Event('change'));
    const fewer = countTiles(KISUMU, 12, 13);
    await waitUntil(() => el.plan?.tileCount === fewer, 'the plan follows the zoom range');
    await el.updateComplete;
    expect(status(el)).to.contain(`${fewer} tiles`);

    const name = byLabel(el, 'Name of the area');
    name.value = 'Kisumu centre';
    name.dispatchEvent(new Event('input'));
    await executeServerCommand('tile-server-latency', { ms: 30 });
    button(el, 'Download').click();
    await waitUntil(() => el.shadowRoot!.querySelector('progress') !== null, 'a progress bar');
    const bar = el.shadowRoot!.querySelector('progress')!;
    expect(bar.max).to.equal(fewer);
    expect(visibleText(bar.closest('label')!)).to.contain('Saving “Kisumu centre”');
    await waitUntil(() => el.areas?.[0]?.status === 'complete', 'the area is saved', { timeout: 20000 });
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('progress'), 'the bar goes when done').to.equal(null);
    const item = deepAll<HTMLElement>(el, 'li')[0]!;
    expect(visibleText(item))
      .to.contain('Kisumu centre')
      .and.contain('Saved')
      .and.contain(`${fewer} of ${fewer} tiles`);
    expect(await savedTiles()).to.equal(fewer);

    button(el, 'Delete Kisumu centre').click();
    await waitUntil(() => el.areas?.length === 0, 'the area is gone');
    expect(await savedTiles(), 'its tiles are freed').to.equal(0);
  });

  it('cancels a download under way and keeps nothing of it', async () => {
    const el = await controls({ bounds: KISUMU, zoom: 12 });
    button(el, 'Save this area for offline…').click();
    await waitUntil(() => el.plan !== null, 'the area is planned');
    await executeServerCommand('tile-server-latency', { ms: 300 });
    button(el, 'Download').click();
    await waitUntil(() => (el.progress?.done ?? 0) >= 1, 'a first tile arrives', { timeout: 10000 });
    await el.updateComplete;
    button(el, 'Cancel').click();
    await waitUntil(() => el.areas?.length === 0 && downloads.downloading === null, 'cancelled');
    expect(await savedTiles()).to.equal(0);
    expect(el.shadowRoot!.querySelector('progress')).to.equal(null);
  });

  it('explains why an area cannot be saved and does not offer to download it', async () => {
    const el = await controls({ bounds: KENYA, zoom: 9 });
    button(el, 'Save this area for offline…').click();
    await waitUntil(() => el.plan !== null, 'the area is planned');
    await el.updateComplete;
    expect(status(el)).to.contain('zoom in or lower the deepest zoom');
    expect(button(el, 'Download').disabled).to.equal(true);
  });
});
