/**
 * The base-map tiles the service worker keeps, so places already seen on the
 * map still show offline. A tile is answered from the saved areas' cache
 * first (never evicted here), then from the cache of seen tiles, then from
 * the network. The seen tiles are bounded in count and bytes; the least
 * recently used go first. Cache Storage keeps no order of use, so an index in
 * IndexedDB (the `tiles` store: tile URL → when last used, size) is the truth
 * that eviction reads.
 */
import { clear, keys, promisifyRequest, values } from 'idb-keyval';
import { SAVED_TILES_CACHE, SEEN_TILES_CACHE } from '../../shared/base-map.js';
import { defaultStores, type Stores } from './stores.js';

export const DEFAULT_MAX_TILE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_TILES = 4000;
/** A map view asks for 20–60 tiles at once: their uses are written together, this long after the first. */
export const DEFAULT_FLUSH_DELAY_MS = 500;

/** One seen tile in the index. */
export interface TileUse {
  /** Epoch ms when the tile was last used. */
  at: number;
  /** Size of its body. */
  bytes: number;
}

export interface TileCacheOptions {
  maxBytes?: number;
  maxEntries?: number;
  seenCache?: string;
  savedCache?: string;
  stores?: Stores;
  /** The network. */
  fetcher?: (request: Request) => Promise<Response>;
  flushDelayMs?: number;
}

/** The answer to a tile request, and the bookkeeping the caller must keep alive (event.waitUntil). */
export interface TileAnswer {
  response: Promise<Response>;
  /** Settles once the tile's use is in the index and the bound enforced; never rejects. */
  done: Promise<void>;
}

/** A use not yet written: bytes are known only for a tile just fetched. */
interface Touch {
  at: number;
  bytes?: number;
}

let lastAt = 0;
/** Epoch ms, but strictly increasing, so tiles used within one millisecond still have an order. */
function stamp(): number {
  lastAt = Math.max(Date.now(), lastAt + 1);
  return lastAt;
}

// Tile servers may vary on Accept or Origin; a tile is the same whatever the asker sent.
const matchOptions = { ignoreVary: true } as const;

/**
 * Only a full answer the app can read is kept. Opaque answers are passed on
 * but never stored: Chromium counts each against the quota as megabytes.
 * 'default' is a response made by script, as a fetcher in between may give.
 */
function keepable(response: Response): boolean {
  const readable = response.type === 'basic' || response.type === 'cors' || response.type === 'default';
  return readable && response.status === 200;
}

/** The seen tiles of one cache and index, answered cache first, bounded by least recent use. */
export class TileCache {
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly seenCache: string;
  readonly savedCache: string;
  private readonly stores: Stores;
  private readonly fetcher: (request: Request) => Promise<Response>;
  private readonly flushDelayMs: number;
  private pending = new Map<string, Touch>();
  private nextFlush: Promise<void> | null = null;
  private reconciled: Promise<void> | null = null;
  /** Index work, one step at a time: reconciliation first, then each flush. */
  private chain: Promise<void> = Promise.resolve();

  constructor(options: TileCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_TILE_BYTES;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_TILES;
    this.seenCache = options.seenCache ?? SEEN_TILES_CACHE;
    this.savedCache = options.savedCache ?? SAVED_TILES_CACHE;
    this.stores = options.stores ?? defaultStores;
    this.fetcher = options.fetcher ?? ((request) => fetch(request));
    this.flushDelayMs = options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
  }

  /** Answers a GET of a tile: saved areas, then seen tiles, then the network; never rejects. */
  handle(request: Request): TileAnswer {
    const url = request.url;
    let done: Promise<void> = Promise.resolve();
    const response = (async (): Promise<Response> => {
      const saved = await caches.match(url, { ...matchOptions, cacheName: this.savedCache });
      if (saved) return saved;
      const seen = await caches.match(url, { ...matchOptions, cacheName: this.seenCache });
      if (seen) {
        done = this.touch(url, { at: stamp() });
        return seen;
      }
      let fresh: Response;
      try {
        fresh = await this.fetcher(request);
      } catch {
        // Leaflet shows a failed tile as an empty square over the plain grid.
        return Response.error();
      }
      if (keepable(fresh)) done = this.keep(url, fresh.clone());
      return fresh;
    })().catch(() => Response.error());
    return { response, done: response.then(() => done) };
  }

  /**
   * Makes the index agree with the seen cache: entries without a cached tile
   * are dropped, cached tiles without an entry are indexed (as least recently
   * used, their age being unknown) so they can be evicted. Runs once, before
   * the first flush, then enforces the bound; later calls give the same
   * promise. Never rejects.
   */
  reconcile(): Promise<void> {
    this.reconciled ??= this.reconcileNow()
      .then(() => this.write(new Map(), true))
      .catch((e: unknown) =>
        console.warn('The cached map tiles could not be checked against their index.', e),
      );
    return this.reconciled;
  }

  private async keep(url: string, response: Response): Promise<void> {
    try {
      const forCache = response.clone();
      const [, blob] = await Promise.all([
        // Opened each time: a Cache object held across a clear would write into a deleted cache.
        caches.open(this.seenCache).then((cache) => cache.put(url, forCache)),
        response.blob(),
      ]);
      await this.touch(url, { at: stamp(), bytes: blob.size });
    } catch (e) {
      // Keeping a tile is best effort (a full disk, a body cut short): the map still got it.
      console.warn('A map tile could not be kept offline.', e);
    }
  }

  /** Records a use and gives the flush that writes it. */
  private touch(url: string, use: Touch): Promise<void> {
    const before = this.pending.get(url);
    this.pending.set(url, { at: use.at, bytes: use.bytes ?? before?.bytes });
    this.nextFlush ??= new Promise<void>((resolve) => setTimeout(resolve, this.flushDelayMs)).then(() => {
      this.nextFlush = null;
      return this.step(() => this.flush());
    });
    return this.nextFlush;
  }

  private step(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(() => this.reconcile())
      .then(work)
      .catch((e: unknown) => console.warn('The index of map tiles could not be updated.', e));
    return this.chain;
  }

  private flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    // Uses of tiles already indexed cannot push the total over the bound.
    const grows = [...batch.values()].some((t) => t.bytes !== undefined);
    return this.write(batch, grows);
  }

  /**
   * Writes a batch of uses and, when asked, enforces the bound, in one
   * transaction, then deletes the evicted tiles from the seen cache. The index
   * entry goes first: a tile served in between has its use dropped (it has no
   * entry any more) instead of leaving an entry without a tile.
   */
  private async write(batch: Map<string, Touch>, enforce: boolean): Promise<void> {
    if (!batch.size && !enforce) return;
    const victims: string[] = [];
    await this.stores.tiles('readwrite', (store) => {
      const apply = (url: string, touch: Touch, known: TileUse | undefined): TileUse | undefined => {
        let next: TileUse;
        if (touch.bytes !== undefined) next = { at: touch.at, bytes: touch.bytes };
        else if (known) next = { at: Math.max(known.at, touch.at), bytes: known.bytes };
        else return undefined; // evicted or cleared since it was served
        store.put(next, url);
        return next;
      };
      if (!enforce) {
        for (const [url, touch] of batch) {
          const req = store.get(url) as IDBRequest<TileUse | undefined>;
          req.onsuccess = () => apply(url, touch, req.result);
        }
      } else {
        const urls = store.getAllKeys();
        const uses = store.getAll() as IDBRequest<TileUse[]>;
        uses.onsuccess = () => {
          const index = new Map<string, TileUse>();
          // Both lists are in key order.
          uses.result.forEach((use, i) => index.set(String(urls.result[i]), use));
          for (const [url, touch] of batch) {
            const next = apply(url, touch, index.get(url));
            if (next) index.set(url, next);
          }
          victims.push(...this.overBound(index));
          for (const url of victims) store.delete(url);
        };
      }
      return promisifyRequest(store.transaction);
    });
    if (!victims.length) return;
    const cache = await caches.open(this.seenCache);
    await Promise.all(victims.map((url) => cache.delete(url)));
  }

  /** The least recently used tiles to drop until the index is within both bounds. */
  private overBound(index: Map<string, TileUse>): string[] {
    let count = index.size;
    let bytes = 0;
    for (const use of index.values()) bytes += use.bytes;
    if (count <= this.maxEntries && bytes <= this.maxBytes) return [];
    const victims: string[] = [];
    for (const [url, use] of [...index].sort((a, b) => a[1].at - b[1].at)) {
      if (count <= this.maxEntries && bytes <= this.maxBytes) break;
      victims.push(url);
      count--;
      bytes -= use.bytes;
    }
    return victims;
  }

  private async reconcileNow(): Promise<void> {
    // The index is read before the cache: a tile cached in between then
    // looks unindexed (harmless, its entry is only added if still absent),
    // never indexed-but-missing.
    const indexed = new Set((await keys(this.stores.tiles)).map(String));
    const cache = await caches.open(this.seenCache);
    const cached = new Set((await cache.keys()).map((r) => r.url));
    const orphans = [...indexed].filter((url) => !cached.has(url));
    const unindexed = await Promise.all(
      [...cached]
        .filter((url) => !indexed.has(url))
        .map(async (url): Promise<[string, number]> => {
          const body = await cache.match(url, matchOptions);
          return [url, body ? (await body.blob()).size : 0];
        }),
    );
    if (!orphans.length && !unindexed.length) return;
    await this.stores.tiles('readwrite', (store) => {
      for (const url of orphans) store.delete(url);
      for (const [url, bytes] of unindexed) {
        const req = store.get(url);
        req.onsuccess = () => {
          if (req.result === undefined) store.put({ at: 0, bytes } satisfies TileUse, url);
        };
      }
      return promisifyRequest(store.transaction);
    });
  }
}

/** How many seen tiles the device keeps and their total size (bytes / count estimates a tile's size). */
export async function seenTileStats(s: Stores = defaultStores): Promise<{ count: number; bytes: number }> {
  const uses = await values<TileUse>(s.tiles);
  return { count: uses.length, bytes: uses.reduce((sum, u) => sum + u.bytes, 0) };
}

/** Forgets every seen tile (not the saved areas' tiles). */
export async function clearSeenTiles(cacheName = SEEN_TILES_CACHE, s: Stores = defaultStores): Promise<void> {
  await caches.delete(cacheName);
  await clear(s.tiles);
}
