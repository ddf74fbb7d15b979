// Saving map areas for offline use, against a real tile server on another origin
// (test/support/tile-server.js), with its faults driven through test-runner commands.
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { get, set } from 'idb-keyval';
import {
  countTiles,
  tilesIn,
  tileUrl,
  type BaseMapConfig,
  type LatLonBounds,
  type TileCoord,
} from '../../shared/base-map.js';
import {
  areaTileUrls,
  DEFAULT_CONCURRENCY,
  DEFAULT_TILE_BYTES,
  GIVE_UP_AFTER_FAILURES,
  MAX_AREA_TILES,
  OfflineAreas,
  planArea,
  STORAGE_RESERVE_BYTES,
  type AreaProgress,
  type SavedArea,
} from '../../src/map/offline-areas.js';
import type { Stores } from '../../src/core/stores.js';
import { formatBytes } from '../../src/storage-persistence.js';
import { testStores } from '../support/fixtures.js';
import { afterEach, before, beforeEach, describe, it } from '../support/mocha.js';

interface TileRequest extends TileCoord {
  status: number;
}

const MB = 1024 * 1024;
/** Kisumu: about 30 tiles from zoom 12 to 14. */
const KISUMU: LatLonBounds = { south: -0.12, west: 34.72, north: -0.06, east: 34.8 };
/** Overlaps KISUMU on its eastern part. */
const KISUMU_EAST: LatLonBounds = { south: -0.12, west: 34.77, north: -0.06, east: 34.86 };
/** A few tiles at zoom 20. */
const STREET: LatLonBounds = { south: -0.0905, west: 34.76, north: -0.09, east: 34.7605 };
const KENYA: LatLonBounds = { south: -4.7, west: 33.9, north: 5.0, east: 41.9 };

let template = '';
const config = (): BaseMapConfig => ({
  tileUrl: template,
  attribution: 'Test tiles',
  maxZoom: 19,
  subdomains: [],
});

const coordKey = ({ z, x, y }: TileCoord): string => `${z}/${x}/${y}`;
const keysOf = (bounds: LatLonBounds, minZoom: number, maxZoom: number): string[] =>
  Array.from(tilesIn(bounds, minZoom, maxZoom), coordKey).sort();
const urlsOf = (bounds: LatLonBounds, minZoom: number, maxZoom: number): string[] =>
  Array.from(tilesIn(bounds, minZoom, maxZoom), (c) => tileUrl(config(), c)).sort();

async function tileRequests(): Promise<TileRequest[]> {
  return (
    (await executeServerCommand<TileRequest[], { reset: boolean }>('tile-server-requests', {
      reset: true,
    })) ?? []
  );
}
const requestedKeys = async (): Promise<string[]> => (await tileRequests()).map(coordKey).sort();

function tileServerDown(down: boolean): Promise<unknown> {
  return executeServerCommand('tile-server-down', { down });
}
function tileLatency(ms: number): Promise<unknown> {
  return executeServerCommand('tile-server-latency', { ms });
}

/** The first progress event for which `until` holds. */
function progressUntil(areas: OfflineAreas, until: (p: AreaProgress) => boolean): Promise<AreaProgress> {
  return new Promise((resolve) => {
    const stop = areas.onProgress((p) => {
      if (!until(p)) return;
      stop();
      resolve(p);
    });
  });
}

describe('offline map areas', () => {
  let s: Stores;
  let savedCache: string;
  let seenCache: string;
  let areas: OfflineAreas;

  async function savedUrls(): Promise<string[]> {
    return (await (await caches.open(savedCache)).keys()).map((r) => r.url).sort();
  }

  before(async () => {
    ({ template } = await executeServerCommand<{ template: string }, undefined>('tile-server'));
  });

  beforeEach(async () => {
    await tileServerDown(false);
    await tileLatency(0);
    await executeServerCommand('tile-server-fail', { count: 0 });
    await tileRequests();
    s = testStores();
    savedCache = `test-saved-${crypto.randomUUID()}`;
    seenCache = `test-seen-${crypto.randomUUID()}`;
    areas = new OfflineAreas({ stores: s, savedCache, seenCache, retryDelaysMs: [10, 20] });
  });

  afterEach(async () => {
    await tileServerDown(false);
    await tileLatency(0);
    await caches.delete(savedCache);
    await caches.delete(seenCache);
  });

  describe('planning', () => {
    it('counts the tiles of the zoom range and estimates their size', async () => {
      const estimate = () => Promise.resolve({ quota: 2000 * MB, usage: 500 * MB });
      const plan = await planArea(config(), KISUMU, 12, 14, { estimate });
      const count = countTiles(KISUMU, 12, 14);
      expect(count).to.be.within(20, 60);
      expect(plan).to.deep.equal({
        tileCount: count,
        estimatedBytes: count * DEFAULT_TILE_BYTES,
        availableBytes: 1500 * MB,
        fits: true,
        problem: null,
      });
      const sized = await planArea(config(), KISUMU, 12, 14, { estimate, averageTileBytes: 7000 });
      expect(sized.estimatedBytes).to.equal(count * 7000);
    });

    it('refuses an area of more than the tile limit', async () => {
      const plan = await planArea(config(), KENYA, 8, 12);
      expect(plan.tileCount).to.equal(countTiles(KENYA, 8, 12));
      expect(plan.tileCount).to.be.greaterThan(MAX_AREA_TILES);
      expect(plan.fits).to.equal(false);
      expect(plan.problem).to.contain('zoom in or lower the deepest zoom');
    });

    it('refuses a zoom deeper than the map has', async () => {
      const plan = await planArea(config(), KISUMU, 12, 20);
      expect(plan.fits).to.equal(false);
      expect(plan.problem).to.contain('deeper than zoom 19');
    });

    it('refuses an area the free storage cannot hold, keeping a margin for photos', async () => {
      const estimate = () => Promise.resolve({ quota: 1000 * MB, usage: 800 * MB });
      const count = countTiles(KISUMU, 12, 14);
      const usable = 200 * MB - STORAGE_RESERVE_BYTES;
      const fits = await planArea(config(), KISUMU, 12, 14, { estimate, averageTileBytes: usable / count });
      expect(fits.availableBytes).to.equal(200 * MB);
      expect(fits.problem).to.equal(null);

      // Less than the free space, but more than may be taken from it.
      const averageTileBytes = Math.ceil((190 * MB) / count);
      const plan = await planArea(config(), KISUMU, 12, 14, { estimate, averageTileBytes });
      expect(plan.fits).to.equal(false);
      expect(plan.problem).to.equal(
        `This area needs about ${formatBytes(count * averageTileBytes)}, but only ${formatBytes(usable)} is free ` +
          'for maps (some space stays free for photos and forms): free some space or choose a smaller area.',
      );

      const nearlyFull = () => Promise.resolve({ quota: 1000 * MB, usage: 990 * MB });
      const full = await planArea(config(), KISUMU, 12, 14, { estimate: nearlyFull });
      expect(full.fits).to.equal(false);
      expect(full.problem).to.contain('free some space or choose a smaller area');
    });

    it('refuses to start an area with a problem, recording and fetching nothing', async () => {
      let error: unknown = null;
      await areas.start(config(), KENYA, 8, 12, 'Kenya').catch((e: unknown) => (error = e));
      expect(String(error)).to.contain('zoom in or lower the deepest zoom');
      expect(await areas.list()).to.deep.equal([]);
      expect(areas.downloading).to.equal(null);
      expect(await tileRequests()).to.deep.equal([]);
    });

    it('gives each tile the URL the map would request, subdomain included', () => {
      const withSubdomains = {
        ...config(),
        tileUrl: 'https://{s}.tiles.example/{z}/{x}/{y}.png',
        subdomains: ['a', 'b'],
      };
      const area = {
        bounds: KISUMU,
        minZoom: 12,
        maxZoom: 13,
        tileUrl: withSubdomains.tileUrl,
        subdomains: ['a', 'b'],
      };
      const expected = Array.from(tilesIn(KISUMU, 12, 13), (c) => tileUrl(withSubdomains, c));
      expect(areaTileUrls(area)).to.deep.equal(expected);
      expect(new Set(expected.map((u) => new URL(u).host)).size).to.equal(2);
    });
  });

  describe('downloading', () => {
    it('saves exactly the tiles of the area and zoom range, under the URLs the map requests', async () => {
      const progress: AreaProgress[] = [];
      areas.onProgress((p) => progress.push(p));
      const { area, finished } = await areas.start(config(), KISUMU, 12, 14, 'Kisumu');
      const done = await finished;
      const total = countTiles(KISUMU, 12, 14);

      expect(await requestedKeys()).to.deep.equal(keysOf(KISUMU, 12, 14));
      expect(await savedUrls()).to.deep.equal(urlsOf(KISUMU, 12, 14));
      const cache = await caches.open(savedCache);
      let bytes = 0;
      for (const url of urlsOf(KISUMU, 12, 14)) {
        const fromServer = new Uint8Array(await (await fetch(url)).arrayBuffer());
        const kept = (await cache.match(url))!;
        expect(kept.headers.get('Content-Type')).to.equal('image/png');
        expect(new Uint8Array(await kept.arrayBuffer()), url).to.deep.equal(fromServer);
        bytes += fromServer.byteLength;
      }

      expect(done).to.deep.equal({ ...area, status: 'complete', tilesDone: total, bytes });
      expect(await get(area.id, s.areas)).to.deep.equal(done);
      expect(await areas.list()).to.deep.equal([done]);
      expect(progress.map((p) => p.done)).to.deep.equal([
        ...Array.from({ length: total }, (_, i) => i + 1),
        total,
      ]);
      expect(progress.at(-1)).to.deep.equal({
        id: area.id,
        done: total,
        failed: 0,
        total,
        bytes,
        status: 'complete',
      });
      expect(progress.slice(0, -1).every((p) => p.status === 'downloading' && p.total === total)).to.equal(
        true,
      );
      expect(areas.downloading).to.equal(null);
    });

    it('records the area before its first tile, and refuses a second download meanwhile', async () => {
      await tileLatency(200);
      const { area, finished } = await areas.start(config(), KISUMU, 12, 14, 'Kisumu');
      expect(await get(area.id, s.areas)).to.deep.equal(area);
      expect(area).to.include({
        status: 'downloading',
        tilesDone: 0,
        bytes: 0,
        name: 'Kisumu',
        tileUrl: template,
      });
      expect(area.tileCount).to.equal(countTiles(KISUMU, 12, 14));
      expect(areas.downloading).to.equal(area.id);

      let error: unknown = null;
      await areas.start(config(), KISUMU_EAST, 12, 14, 'East').catch((e: unknown) => (error = e));
      expect(String(error)).to.contain('Another map area is downloading');
      expect((await areas.list()).map((a) => a.id)).to.deep.equal([area.id]);

      await areas.cancel(area.id);
      expect(await finished).to.equal(null);
    });

    it('stops at once when cancelled, leaving no record and no tiles', async () => {
      await tileLatency(200);
      const { area, finished } = await areas.start(config(), KISUMU, 12, 14, 'Kisumu');
      const first = await progressUntil(areas, () => true);
      expect(first.done).to.be.greaterThan(0);
      const after: AreaProgress[] = [];
      areas.onProgress((p) => after.push(p));

      await areas.cancel(area.id);
      expect(await finished).to.equal(null);
      expect(await get(area.id, s.areas)).to.equal(undefined);
      expect(await areas.list()).to.deep.equal([]);
      expect(await savedUrls()).to.deep.equal([]);
      expect(after).to.deep.equal([]);
      expect(areas.downloading).to.equal(null);
      // Only the tiles under way when it was cancelled had been asked for.
      expect((await tileRequests()).length).to.be.below(area.tileCount / 2);
    });

    it('downloads only the new tiles of an area overlapping a saved one', async () => {
      const first = await (await areas.start(config(), KISUMU, 12, 14, 'Kisumu')).finished;
      await tileRequests();
      const second = await (await areas.start(config(), KISUMU_EAST, 12, 14, 'East')).finished;

      const shared = keysOf(KISUMU_EAST, 12, 14).filter((k) => keysOf(KISUMU, 12, 14).includes(k));
      expect(shared.length, 'the areas overlap').to.be.greaterThan(0);
      const onlyNew = keysOf(KISUMU_EAST, 12, 14).filter((k) => !shared.includes(k));
      expect(await requestedKeys()).to.deep.equal(onlyNew);
      expect(second!.status).to.equal('complete');
      expect(second!.tilesDone).to.equal(countTiles(KISUMU_EAST, 12, 14));
      const union = [...new Set([...urlsOf(KISUMU, 12, 14), ...urlsOf(KISUMU_EAST, 12, 14)])].sort();
      expect(await savedUrls()).to.deep.equal(union);
      expect((await areas.list()).map((a) => a.id)).to.deep.equal([second!.id, first!.id]);
    });

    it('copies a tile already seen on the map instead of downloading it', async () => {
      const [seenTile] = tilesIn(KISUMU, 12, 12);
      const url = tileUrl(config(), seenTile!);
      const canvas = new OffscreenCanvas(256, 256);
      canvas.getContext('2d')!.fillRect(0, 0, 10, 10);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      await (
        await caches.open(seenCache)
      ).put(url, new Response(blob, { headers: { 'Content-Type': 'image/png' } }));

      const area = await (await areas.start(config(), KISUMU, 12, 14, 'Kisumu')).finished;
      expect(area!.status).to.equal('complete');
      expect(await requestedKeys()).to.deep.equal(
        keysOf(KISUMU, 12, 14).filter((k) => k !== coordKey(seenTile!)),
      );
      const kept = (await (await caches.open(savedCache)).match(url))!;
      expect(new Uint8Array(await kept.arrayBuffer())).to.deep.equal(
        new Uint8Array(await blob.arrayBuffer()),
      );
    });

    it('retries a tile the server failed once', async () => {
      await executeServerCommand('tile-server-fail', { count: 1, status: 503 });
      const area = await (await areas.start(config(), KISUMU, 12, 14, 'Kisumu')).finished;
      expect(area!.status).to.equal('complete');
      const log = await tileRequests();
      expect(log.filter((r) => r.status === 503).length).to.equal(1);
      const failed = log.find((r) => r.status === 503)!;
      expect(log.filter((r) => coordKey(r) === coordKey(failed)).map((r) => r.status)).to.deep.equal([
        503, 200,
      ]);
      expect(
        log
          .filter((r) => r.status === 200)
          .map(coordKey)
          .sort(),
      ).to.deep.equal(keysOf(KISUMU, 12, 14));
    });

    it('does not retry a tile the server does not have', async () => {
      const deeper = { ...config(), maxZoom: 20 };
      const area = await (await areas.start(deeper, STREET, 20, 20, 'Too deep')).finished;
      const total = countTiles(STREET, 20, 20);
      expect(total).to.be.within(2, 20);
      expect(area!.status).to.equal('incomplete');
      expect(area!.tilesDone).to.equal(0);
      expect(area!.error).to.contain(`${total} of ${total} tiles are missing (the map server answered 404)`);
      expect(await requestedKeys()).to.deep.equal(keysOf(STREET, 20, 20));
    });

    it('ends incomplete when the tile server goes away, and resumes with only the missing tiles', async () => {
      await tileLatency(100);
      const { area, finished } = await areas.start(config(), KISUMU, 12, 14, 'Kisumu');
      await progressUntil(areas, (p) => p.done >= 3);
      await tileServerDown(true);
      const stopped = (await finished)!;

      expect(stopped.status).to.equal('incomplete');
      expect(stopped.tilesDone).to.be.within(3, area.tileCount - 1);
      expect(stopped.error).to.contain('the map server could not be reached');
      expect(stopped.error).to.contain(
        `${area.tileCount - stopped.tilesDone} of ${area.tileCount} tiles are missing`,
      );
      expect(await get(area.id, s.areas)).to.deep.equal(stopped);
      const kept = await savedUrls();
      expect(kept.length).to.equal(stopped.tilesDone);

      await tileServerDown(false);
      await tileLatency(0);
      await tileRequests();
      const resumed = await areas.resume(area.id);
      expect(resumed.area.status).to.equal('downloading');
      expect(resumed.area.error).to.equal(undefined);
      const done = (await resumed.finished)!;

      expect(done.status).to.equal('complete');
      expect(done.error).to.equal(undefined);
      expect(done.tilesDone).to.equal(area.tileCount);
      const missing = urlsOf(KISUMU, 12, 14).filter((u) => !kept.includes(u));
      // A tile whose first try met a connection the server dropped while down may be asked for again
      // (retried, as it should be); a tile already kept is never asked for.
      const asked = (await tileRequests()).map((r) => tileUrl(config(), r));
      expect([...new Set(asked)].sort()).to.deep.equal(missing);
      for (const url of missing) expect(asked.filter((u) => u === url).length, url).to.be.at.most(2);
      expect(await savedUrls()).to.deep.equal(urlsOf(KISUMU, 12, 14));
      expect(await get(area.id, s.areas)).to.deep.equal(done);
    });

    it('stops trying once tile after tile cannot be reached', async () => {
      await tileServerDown(true);
      const progress: AreaProgress[] = [];
      areas.onProgress((p) => progress.push(p));
      const area = (await (await areas.start(config(), KISUMU, 12, 14, 'Kisumu')).finished)!;
      expect(area.status).to.equal('incomplete');
      expect(area.tilesDone).to.equal(0);
      expect(area.error).to.contain('the map server could not be reached');
      const last = progress.at(-1)!;
      expect(last.total).to.be.greaterThan(GIVE_UP_AFTER_FAILURES + DEFAULT_CONCURRENCY);
      // The tiles that were under way when it gave up may fail too; no other tile is tried.
      expect(last.failed).to.be.within(
        GIVE_UP_AFTER_FAILURES,
        GIVE_UP_AFTER_FAILURES + DEFAULT_CONCURRENCY - 1,
      );
    });

    it('reports an area left downloading by a closed page as incomplete, and can resume it', async () => {
      const { area, finished } = await areas.start(config(), KISUMU, 12, 12, 'Kisumu');
      await finished;
      // What a page closed mid-download leaves behind.
      const left: SavedArea = { ...area, status: 'downloading', tilesDone: 0 };
      await set(area.id, left, s.areas);
      const elsewhere = new OfflineAreas({ stores: s, savedCache, seenCache });
      const [listed] = await elsewhere.list();
      expect(listed!.status).to.equal('incomplete');
      expect(listed!.error).to.contain('interrupted');
      await tileRequests();
      const resumed = await (await elsewhere.resume(area.id)).finished;
      expect(resumed!.status).to.equal('complete');
      expect(await tileRequests(), 'every tile was already saved').to.deep.equal([]);
    });

    it('stops with a clear message when the device runs out of storage', async function () {
      this.timeout(30000);
      const buckets = (navigator as Navigator & { storageBuckets?: StorageBucketManager }).storageBuckets;
      if (!buckets) throw new Error('This browser has no Storage Buckets API');
      const name = `tiles-${crypto.randomUUID().slice(0, 8)}`;
      const bucket = await buckets.open(name, { quota: 60 * 1024 });
      try {
        const small = new OfflineAreas({ stores: s, savedCache, seenCache, cacheStorage: bucket.caches });
        const area = (await (await small.start(config(), KISUMU, 12, 14, 'Kisumu')).finished)!;
        expect(area.status).to.equal('failed');
        expect(area.tilesDone).to.be.within(1, area.tileCount - 1);
        expect(area.error).to.equal(
          `The device ran out of storage space after ${area.tilesDone} of ${area.tileCount} tiles: ` +
            'free some space, then resume the download, or delete this area.',
        );
        expect(await get(area.id, s.areas)).to.deep.equal(area);
        expect((await tileRequests()).length).to.be.below(area.tileCount);
      } finally {
        await buckets.delete(name);
      }
    });
  });

  describe('removing', () => {
    it('frees only the tiles no other area covers', async () => {
      const west = (await (await areas.start(config(), KISUMU, 12, 14, 'Kisumu')).finished)!;
      const east = (await (await areas.start(config(), KISUMU_EAST, 12, 14, 'East')).finished)!;
      const all = await savedUrls();

      await areas.remove(west.id);
      expect(await savedUrls()).to.deep.equal(urlsOf(KISUMU_EAST, 12, 14));
      expect(all.length).to.be.greaterThan(urlsOf(KISUMU_EAST, 12, 14).length);
      expect(await areas.list()).to.deep.equal([east]);

      await areas.remove(east.id);
      expect(await savedUrls()).to.deep.equal([]);
      expect(await areas.list()).to.deep.equal([]);
    });

    it('keeps the tiles of an area still downloading', async () => {
      const west = (await (await areas.start(config(), KISUMU, 12, 14, 'Kisumu')).finished)!;
      await tileLatency(100);
      const { area: east, finished } = await areas.start(config(), KISUMU_EAST, 12, 14, 'East');
      await areas.remove(west.id);
      const done = (await finished)!;
      expect(done.status).to.equal('complete');
      expect(await savedUrls()).to.deep.equal(urlsOf(KISUMU_EAST, 12, 14));
      expect((await areas.list()).map((a) => a.id)).to.deep.equal([east.id]);
    });
  });
});

interface StorageBucketManager {
  open(name: string, options?: { quota?: number }): Promise<{ caches: CacheStorage }>;
  delete(name: string): Promise<void>;
}
