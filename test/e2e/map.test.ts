// The map's base map end to end: the built app and its service worker, the
// real server configured with a tile server, and a real tile server on
// another origin (test/support/tile-server.js).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { tilesIn, tileUrl, type BaseMapConfig } from '../../shared/base-map.js';
import { startTileServer } from '../support/tile-server.js';
import { launchBrowser, openMapPopup, seedOutbox, withWorld, type World } from './harness.js';

type TileServer = Awaited<ReturnType<typeof startTileServer>>;

interface StoredArea {
  bounds: { south: number; west: number; north: number; east: number };
  minZoom: number;
  maxZoom: number;
  status: string;
}

let browser: Browser;
let tiles: TileServer;

before(async () => {
  browser = await launchBrowser();
  tiles = await startTileServer();
});
after(async () => {
  await browser.close();
  await tiles.close();
});

function env(): Record<string, string> {
  return { MAP_TILE_URL: tiles.template, MAP_ATTRIBUTION: 'Generated test tiles', MAP_MAX_ZOOM: '18' };
}

/** The app installed and its service worker in control, with a located submission to fit the map to. */
async function installed(w: World): Promise<void> {
  await w.page.goto(w.door.url);
  await w.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await w.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await seedOutbox(w.page, 1);
}

/** URLs of the base-map tiles the map shows, loaded. */
function loadedTiles(page: Page): Promise<string[]> {
  return page
    .locator('img.leaflet-tile-loaded')
    .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src).sort());
}

/** Waits until the map shows loaded tiles of the zoom (any zoom when not given) and none still loading. */
async function settledTiles(page: Page, zoom?: number): Promise<string[]> {
  await page.waitForFunction((z) => {
    const map = document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-map')?.shadowRoot;
    const imgs = [...(map?.querySelectorAll<HTMLImageElement>('img.leaflet-tile') ?? [])];
    const atZoom = imgs.filter((i) => z === null || i.src.includes(`/tiles/${z}/`));
    return atZoom.length > 0 && imgs.every((i) => i.classList.contains('leaflet-tile-loaded'));
  }, zoom ?? null);
  const all = await loadedTiles(page);
  return zoom === undefined ? all : all.filter((u) => u.includes(`/tiles/${zoom}/`));
}

async function openMap(page: Page, url: string): Promise<string[]> {
  await page.goto(`${url}/map`);
  return settledTiles(page);
}

async function offline(w: World, off: boolean): Promise<void> {
  tiles.setDown(off);
  await w.context.setOffline(off);
}

function cacheUrls(page: Page, name: string): Promise<string[]> {
  return page.evaluate(async (n) => (await (await caches.open(n)).keys()).map((r) => r.url).sort(), name);
}

describe('the base map', () => {
  it('shows the tiles seen online again with the network off', async () => {
    await withWorld(
      browser,
      async (w) => {
        await installed(w);
        const seen = await openMap(w.page, w.door.url);
        assert.ok(seen.length >= 4, `tiles shown (${seen.length})`);
        assert.ok(seen.every((u) => u.startsWith(tiles.origin)));
        await w.page.getByText('Generated test tiles').waitFor();

        await offline(w, true);
        try {
          tiles.clearRequests();
          const again = await openMap(w.page, w.door.url);
          assert.deepEqual(again, seen, 'the same tiles, loaded');
          assert.equal(tiles.requests.length, 0, 'none reached the tile server');
          assert.equal(await w.page.getByText('No base map is available').count(), 0);
        } finally {
          await offline(w, false);
        }
      },
      env(),
    );
  });

  it('saves exactly the tiles of an area for offline use, shows them offline, and frees them on delete', async () => {
    await withWorld(
      browser,
      async (w) => {
        const { page } = w;
        await installed(w);
        await openMap(page, w.door.url);
        await page.getByRole('button', { name: 'Save this area for offline…' }).click();
        const from = Number(await page.getByLabel('From zoom').inputValue());
        await page.getByLabel('To zoom').selectOption(String(from + 1));
        await page.getByLabel('Name of the area').fill('Pump area');
        await page.getByText(/\d+ tiles, about/).waitFor();
        tiles.clearRequests();
        await page.getByRole('button', { name: 'Download' }).click();
        await page.getByText(/^\s*Saved · zoom/).waitFor({ timeout: 60_000 });

        const areas = await page.evaluate(
          () =>
            new Promise<unknown[]>((resolve, reject) => {
              const req = indexedDB.open('fieldsync-areas');
              req.onsuccess = () => {
                const all = req.result.transaction('areas').objectStore('areas').getAll();
                all.onsuccess = () => resolve(all.result as unknown[]);
                all.onerror = () => reject(all.error);
              };
              req.onerror = () => reject(req.error);
            }),
        );
        assert.equal(areas.length, 1);
        const area = areas[0] as StoredArea;
        assert.deepEqual([area.minZoom, area.maxZoom, area.status], [from, from + 1, 'complete']);
        const config: BaseMapConfig = {
          tileUrl: tiles.template,
          subdomains: [],
          attribution: '',
          maxZoom: 18,
        };
        const expected = [...tilesIn(area.bounds, area.minZoom, area.maxZoom)]
          .map((c) => tileUrl(config, c))
          .sort();
        assert.deepEqual(await cacheUrls(page, 'fieldsync-tiles-saved'), expected, 'exactly the area');
        const fetched = tiles.requests.map((r) => tileUrl(config, r));
        assert.equal(new Set(fetched).size, fetched.length, 'no tile downloaded twice');
        assert.ok(
          fetched.every((u) => expected.includes(u)),
          'nothing outside the area downloaded',
        );

        // A zoom never viewed online: only the saved area can draw it.
        await offline(w, true);
        try {
          tiles.clearRequests();
          await page.getByRole('button', { name: 'Zoom in' }).click();
          const deeper = await settledTiles(page, from + 1);
          assert.ok(deeper.length > 0, 'tiles of the deeper zoom shown');
          assert.ok(
            deeper.every((u) => expected.includes(u)),
            'every tile shown offline is one of the saved area',
          );
          assert.equal(tiles.requests.length, 0, 'none reached the tile server');
        } finally {
          await offline(w, false);
        }

        await page.getByRole('button', { name: 'Delete Pump area' }).click();
        await page.getByText('Saved areas').waitFor({ state: 'detached' });
        assert.deepEqual(await cacheUrls(page, 'fieldsync-tiles-saved'), [], 'its tiles are freed');
      },
      env(),
    );
  });
});

describe('the map screen in the app', () => {
  it("opens a marker's submission in the outbox, focused", async () => {
    await withWorld(browser, async (w) => {
      const { page } = w;
      await page.goto(w.door.url);
      const [id] = await seedOutbox(page, 1);
      // Seeded behind the app's back: the open page's outbox index, loaded
      // from the start, hears of writes only through the app's own messages.
      await page.reload();
      await page.getByRole('link', { name: 'Map' }).click();
      await page.getByRole('heading', { name: 'Map', level: 1 }).waitFor();
      await openMapPopup(page, id!);
      await page.getByRole('button', { name: /^Open Water point inspection/ }).click();
      await page.waitForURL(`${w.door.url}/outbox/${id}`);
      const focused = page.locator(`li[data-id="${id}"] h2`);
      await focused.waitFor();
      await page.waitForFunction(
        (sid) =>
          document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-outbox')?.shadowRoot?.activeElement
            ?.id === `h-${sid}`,
        id,
      );
      await page.goBack();
      await page.getByRole('heading', { name: 'Map', level: 1 }).waitFor();
    });
  });
});
