// The map tile cache against real Cache Storage and IndexedDB; the network is the injected fetcher.
import { expect } from '@open-wc/testing';
import { del, entries, set } from 'idb-keyval';
import type { BaseMapConfig } from '../../shared/base-map.js';
import type { ReferenceData } from '../../shared/forms.js';
import { getBaseMap, refreshReference, type StoredReference } from '../../src/core/reference.js';
import type { Stores } from '../../src/core/stores.js';
import {
  clearSeenTiles,
  seenTileStats,
  TileCache,
  type TileCacheOptions,
  type TileUse,
} from '../../src/core/tile-cache.js';
import { testStores } from '../support/fixtures.js';
import { afterEach, beforeEach, describe, it } from '../support/mocha.js';

const tileUrl = (n: number) => `https://tiles.example.test/12/${n}/7.png`;
const tile = (n: number) => new Request(tileUrl(n));

/** The network: answers each tile with a body of `size` bytes that names it, or fails when down. */
class Network {
  calls: string[] = [];
  down = false;
  size = 100;
  fetcher = (request: Request): Promise<Response> => {
    this.calls.push(request.url);
    if (this.down) return Promise.reject(new TypeError('Failed to fetch'));
    const body = new Uint8Array(this.size).fill(32);
    body.set(new TextEncoder().encode(request.url).subarray(0, this.size));
    return Promise.resolve(new Response(body, { status: 200, headers: { 'Content-Type': 'image/png' } }));
  };
}

describe('the map tile cache', () => {
  let s: Stores;
  let seen: string;
  let saved: string;
  let net: Network;

  beforeEach(() => {
    s = testStores();
    seen = `test-seen-${crypto.randomUUID()}`;
    saved = `test-saved-${crypto.randomUUID()}`;
    net = new Network();
  });
  afterEach(async () => {
    await caches.delete(seen);
    await caches.delete(saved);
  });

  function tileCache(options: TileCacheOptions = {}): TileCache {
    return new TileCache({
      stores: s,
      seenCache: seen,
      savedCache: saved,
      fetcher: net.fetcher,
      flushDelayMs: 0,
      ...options,
    });
  }

  /** Requests a tile and waits for its bookkeeping, as the worker's waitUntil would. */
  async function request(tiles: TileCache, req: Request): Promise<Response> {
    const { response, done } = tiles.handle(req);
    const res = await response;
    await done;
    return res;
  }

  async function bodyOf(res: Response): Promise<string> {
    return (await res.text()).trim();
  }

  async function seenUrls(): Promise<string[]> {
    const cache = await caches.open(seen);
    return (await cache.keys()).map((r) => r.url).sort();
  }

  async function index(): Promise<Map<string, TileUse>> {
    return new Map(await entries<string, TileUse>(s.tiles));
  }

  it('fetches a tile it has not seen, keeps it and records its use and size', async () => {
    const tiles = tileCache();
    const before = Date.now();
    const res = await request(tiles, tile(1));
    expect(res.status).to.equal(200);
    expect(await bodyOf(res)).to.equal(tileUrl(1));
    expect(net.calls).to.deep.equal([tileUrl(1)]);
    expect(await seenUrls()).to.deep.equal([tileUrl(1)]);
    const use = (await index()).get(tileUrl(1));
    expect(use?.bytes).to.equal(100);
    expect(use?.at).to.be.at.least(before);
    expect(await seenTileStats(s)).to.deep.equal({ count: 1, bytes: 100 });
  });

  it('answers a tile seen before from the cache, without the network, and records the new use', async () => {
    const tiles = tileCache();
    await request(tiles, tile(1));
    const first = (await index()).get(tileUrl(1))!;
    const res = await request(tiles, tile(1));
    expect(await bodyOf(res)).to.equal(tileUrl(1));
    expect(net.calls).to.deep.equal([tileUrl(1)]);
    const second = (await index()).get(tileUrl(1))!;
    expect(second.at).to.be.greaterThan(first.at);
    expect(second.bytes).to.equal(100);
  });

  it('answers a seen tile when the network is down', async () => {
    await request(tileCache(), tile(1));
    net.down = true;
    // A new instance, as after the worker was stopped and started again offline.
    const res = await request(tileCache(), tile(1));
    expect(res.status).to.equal(200);
    expect(await bodyOf(res)).to.equal(tileUrl(1));
  });

  it('answers a network error when the network is down and the tile was never seen', async () => {
    net.down = true;
    const res = await request(tileCache(), tile(1));
    expect(res.type).to.equal('error');
    expect(net.calls).to.deep.equal([tileUrl(1)]);
    expect(await seenUrls()).to.deep.equal([]);
    expect(await seenTileStats(s)).to.deep.equal({ count: 0, bytes: 0 });
  });

  it('passes on an error status without keeping it', async () => {
    const tiles = tileCache({ fetcher: () => Promise.resolve(new Response('none', { status: 404 })) });
    const res = await request(tiles, tile(1));
    expect(res.status).to.equal(404);
    expect(await seenUrls()).to.deep.equal([]);
    expect(await seenTileStats(s)).to.deep.equal({ count: 0, bytes: 0 });
  });

  it('keeps a tile fetched for real from a server', async () => {
    const icon = '/assets/icons/icon-192.png';
    const size = (await (await fetch(icon)).arrayBuffer()).byteLength;
    const tiles = tileCache({ fetcher: () => fetch(icon) });
    const res = await request(tiles, tile(1));
    expect(res.type).to.equal('basic');
    expect((await res.arrayBuffer()).byteLength).to.equal(size);
    expect(await seenUrls()).to.deep.equal([tileUrl(1)]);
    expect(await seenTileStats(s)).to.deep.equal({ count: 1, bytes: size });
  });

  it('passes on an opaque answer without keeping it', async () => {
    // The same server under another name is another origin: without CORS its answer is opaque.
    const other = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    const icon = `${location.protocol}//${other}:${location.port}/assets/icons/icon-192.png`;
    const tiles = tileCache({ fetcher: () => fetch(icon, { mode: 'no-cors' }) });
    const res = await request(tiles, tile(1));
    expect(res.type).to.equal('opaque');
    expect(await seenUrls()).to.deep.equal([]);
    expect(await seenTileStats(s)).to.deep.equal({ count: 0, bytes: 0 });
  });

  it('answers from the saved areas first and never evicts their tiles', async () => {
    await (await caches.open(saved)).put(tileUrl(9), new Response('saved tile'));
    const tiles = tileCache({ maxEntries: 2 });
    expect(await bodyOf(await request(tiles, tile(9)))).to.equal('saved tile');
    expect(net.calls).to.deep.equal([]);
    expect(await seenTileStats(s), 'saved tiles are not in the seen index').to.deep.equal({
      count: 0,
      bytes: 0,
    });

    for (const n of [1, 2, 3, 4]) await request(tiles, tile(n));
    expect(await seenUrls()).to.deep.equal([tileUrl(3), tileUrl(4)]);
    expect(await bodyOf(await request(tiles, tile(9)))).to.equal('saved tile');
    expect(net.calls).to.deep.equal([1, 2, 3, 4].map(tileUrl));
  });

  it('evicts the least recently used tile, not the oldest, when a sixth passes a bound of five', async () => {
    const tiles = tileCache({ maxEntries: 5 });
    for (const n of [1, 2, 3, 4, 5]) await request(tiles, tile(n));
    await request(tiles, tile(1));
    await request(tiles, tile(6));

    const kept = [1, 3, 4, 5, 6].map(tileUrl).sort();
    expect(await seenUrls()).to.deep.equal(kept);
    expect([...(await index()).keys()].sort()).to.deep.equal(kept);
    expect(await seenTileStats(s)).to.deep.equal({ count: 5, bytes: 500 });

    net.calls = [];
    await request(tiles, tile(1));
    expect(net.calls, 'tile 1 was used recently: still cached').to.deep.equal([]);
    await request(tiles, tile(2));
    expect(net.calls, 'tile 2 was evicted: fetched again').to.deep.equal([tileUrl(2)]);
  });

  it('evicts by size when the byte bound is reached first', async () => {
    net.size = 300;
    const tiles = tileCache({ maxBytes: 1000 });
    for (const n of [1, 2, 3]) await request(tiles, tile(n));
    expect(await seenTileStats(s)).to.deep.equal({ count: 3, bytes: 900 });
    await request(tiles, tile(4));
    expect(await seenUrls()).to.deep.equal([2, 3, 4].map(tileUrl));
    expect(await seenTileStats(s)).to.deep.equal({ count: 3, bytes: 900 });
  });

  it('writes the uses of tiles shown together in one later flush', async () => {
    for (const n of [1, 2, 3]) await request(tileCache(), tile(n));
    const before = await index();
    const tiles = tileCache({ flushDelayMs: 200 });
    await tiles.reconcile();
    const answers = [1, 2, 3].map((n) => tiles.handle(tile(n)));
    await Promise.all(answers.map((a) => a.response));
    expect(await index(), 'nothing written while the tiles are shown').to.deep.equal(before);
    await Promise.all(answers.map((a) => a.done));
    const after = await index();
    for (const n of [1, 2, 3])
      expect(after.get(tileUrl(n))!.at).to.be.greaterThan(before.get(tileUrl(n))!.at);
  });

  it('does not bring back the entry of a tile cleared while it was being shown', async () => {
    await request(tileCache(), tile(1));
    const { response, done } = tileCache({ flushDelayMs: 200 }).handle(tile(1));
    expect(await bodyOf(await response)).to.equal(tileUrl(1));
    await clearSeenTiles(seen, s);
    await done;
    expect(await seenTileStats(s)).to.deep.equal({ count: 0, bytes: 0 });
  });

  it('indexes a cached tile missing from the index and drops an entry whose tile is gone', async () => {
    await (await caches.open(seen)).put(tileUrl(1), new Response(new Uint8Array(123)));
    await set(tileUrl(2), { at: Date.now(), bytes: 50 } satisfies TileUse, s.tiles);
    const tiles = tileCache({ maxEntries: 2 });
    await tiles.reconcile();
    expect(await index()).to.deep.equal(new Map([[tileUrl(1), { at: 0, bytes: 123 }]]));

    // Indexed as least recently used: the first to go.
    for (const n of [3, 4]) await request(tiles, tile(n));
    expect(await seenUrls()).to.deep.equal([3, 4].map(tileUrl));
    expect([...(await index()).keys()].sort()).to.deep.equal([3, 4].map(tileUrl));
  });

  it('enforces the bound on what it finds at start-up', async () => {
    const cache = await caches.open(seen);
    for (const n of [1, 2, 3]) await cache.put(tileUrl(n), new Response(new Uint8Array(10)));
    await tileCache({ maxEntries: 1 }).reconcile();
    expect((await seenUrls()).length).to.equal(1);
    expect(await seenTileStats(s)).to.deep.equal({ count: 1, bytes: 10 });
  });

  it('clears the seen tiles but not the saved ones', async () => {
    await (await caches.open(saved)).put(tileUrl(9), new Response('saved tile'));
    const tiles = tileCache();
    for (const n of [1, 2]) await request(tiles, tile(n));
    await clearSeenTiles(seen, s);
    expect(await seenTileStats(s)).to.deep.equal({ count: 0, bytes: 0 });
    expect(await seenUrls()).to.deep.equal([]);
    expect(await caches.match(tileUrl(9), { cacheName: saved })).to.not.equal(undefined);
  });
});

describe('the base map the worker reads', () => {
  const config: BaseMapConfig = {
    tileUrl: 'https://{s}.tiles.example.test/{z}/{x}/{y}.png',
    attribution: '© Example',
    maxZoom: 18,
    subdomains: ['a', 'b'],
  };
  const data = (baseMap?: unknown): ReferenceData =>
    ({ forms: [], lists: {}, ...(baseMap === undefined ? {} : { baseMap }) }) as ReferenceData;
  const stored = (d: ReferenceData): StoredReference => ({
    schema: 1,
    data: d,
    etag: null,
    checkedAt: new Date().toISOString(),
  });
  const serving = (d: ReferenceData) => () => Promise.resolve(Response.json(d));

  let s: Stores;
  beforeEach(() => {
    s = testStores();
  });

  it('is written with the reference data and read without the full record', async () => {
    await refreshReference({ fetcher: serving(data(config)) }, s);
    // A full record holding another map, replaced behind the module's back, is not what getBaseMap reads.
    await set('reference', stored(data({ ...config, maxZoom: 3 })), s.settings);
    expect(await getBaseMap(s)).to.deep.equal(config);
  });

  it('is null when the server configures none, or one that cannot be used', async () => {
    await refreshReference({ fetcher: serving(data(config)) }, s);
    await refreshReference({ fetcher: serving(data()) }, s);
    expect(await getBaseMap(s)).to.equal(null);
    const { attempt } = await refreshReference(
      { fetcher: serving(data({ ...config, tileUrl: 'ftp://x/{z}' })) },
      s,
    );
    expect(attempt.outcome, 'a broken base map does not stop the forms from updating').to.equal('updated');
    expect(await getBaseMap(s)).to.equal(null);
  });

  it('reads data stored by an older version once, and keeps its base map', async () => {
    await set('reference', stored(data(config)), s.settings);
    expect(await getBaseMap(s)).to.deep.equal(config);
    await del('reference', s.settings);
    expect(await getBaseMap(s)).to.deep.equal(config);
  });

  it('is null while the device has no data, and found once data arrives', async () => {
    expect(await getBaseMap(s)).to.equal(null);
    await set('reference', stored(data(config)), s.settings);
    expect(await getBaseMap(s)).to.deep.equal(config);
  });
});
