/**
 * "Save this area for offline": every base-map tile of an area, from a
 * shallow zoom to a deep one, kept in the saved-tiles cache under the very URL
 * the map requests (so the service worker's cache-first lookup finds it), and
 * a record of each area so the user can follow, resume and delete them.
 *
 * Tiles are shared: a tile another area already saved is not fetched again,
 * and deleting an area frees only the tiles no remaining area covers. Which
 * tiles an area covers is computed from its bounds and zooms, never stored
 * per tile, so the records and the cache cannot disagree about ownership.
 *
 * Page code without Leaflet: the map hands over plain bounds.
 */
import { del, entries, get, set, type UseStore } from 'idb-keyval';
import {
  countTiles,
  MAX_TILE_ZOOM,
  SAVED_TILES_CACHE,
  SEEN_TILES_CACHE,
  tilesIn,
  tileUrl,
  type BaseMapConfig,
  type LatLonBounds,
} from '../../shared/base-map.js';
import { defaultStores, guardQuota, isQuotaError, type Stores } from '../core/stores.js';
import { formatBytes } from '../storage-persistence.js';

/** More tiles than this in one area take too long on a field connection and mostly show the same places. */
export const MAX_AREA_TILES = 5000;
/** A typical 256-pixel street map tile, for estimates when the caller knows no better. */
export const DEFAULT_TILE_BYTES = 20 * 1024;
/** Storage an area may never take: the photos and submissions still to be captured need it more. */
export const STORAGE_RESERVE_BYTES = 50 * 1024 * 1024;
/** Kept free on top of the reserve, as the estimate of free space and of tile sizes are both rough. */
const RESERVE_SHARE = 0.1;

export const DEFAULT_CONCURRENCY = 4;
/** Waits before the second and third try of a tile. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 2000];
/** After this many tiles in a row fail to arrive, the network is taken to be gone and the download stops. */
export const GIVE_UP_AFTER_FAILURES = 8;
/** The stored record follows the progress at most this often: a write per tile would slow the download. */
export const RECORD_EVERY_MS = 1000;

const BUSY_MESSAGE =
  'Another map area is downloading. Wait until it has finished, or cancel it, before saving this one.';
const INTERRUPTED_MESSAGE = 'The download was interrupted. Resume it to fetch the missing tiles.';
const UNREACHABLE = 'the map server could not be reached';

export type StorageEstimator = () => Promise<StorageEstimate>;

export interface PlanOptions {
  /** Expected size of one tile; DEFAULT_TILE_BYTES when not given. */
  averageTileBytes?: number;
  /** The storage estimate; navigator.storage.estimate when not given. */
  estimate?: StorageEstimator;
}

export interface AreaPlan {
  tileCount: number;
  estimatedBytes: number;
  /** Quota minus usage, or null when the browser does not say. */
  availableBytes: number | null;
  /** True when the area can be saved (same as problem === null). */
  fits: boolean;
  /** Why it cannot, in a sentence that says what to do; null when it can. */
  problem: string | null;
}

function zoomProblem(config: BaseMapConfig, minZoom: number, maxZoom: number): string | null {
  const deepest = Math.min(config.maxZoom, MAX_TILE_ZOOM);
  if (!Number.isInteger(minZoom) || !Number.isInteger(maxZoom) || minZoom < 0)
    return `Choose whole zoom levels from 0 to ${deepest}.`;
  if (maxZoom > deepest)
    return `This map has no tiles deeper than zoom ${deepest}: lower the deepest zoom to ${deepest} or less.`;
  if (minZoom > maxZoom)
    return `The shallowest zoom (${minZoom}) is deeper than the deepest (${maxZoom}): swap them.`;
  return null;
}

function boundsProblem(b: LatLonBounds): string | null {
  const finite = [b.south, b.west, b.north, b.east].every(Number.isFinite);
  if (!finite || b.south > b.north || b.west > b.east) return 'Choose an area on the map first.';
  return null;
}

async function freeBytes(estimate: StorageEstimator | undefined): Promise<number | null> {
  const ask = estimate ?? (navigator.storage?.estimate ? () => navigator.storage.estimate() : null);
  if (!ask) return null;
  try {
    const { quota, usage } = await ask();
    if (quota === undefined) return null;
    return Math.max(0, quota - (usage ?? 0));
  } catch {
    // Unknown free space is not a reason to refuse: a full disk is still caught while writing.
    return null;
  }
}

/** The part of the free space an area may take. */
function usableBytes(available: number): number {
  return available - Math.max(STORAGE_RESERVE_BYTES, available * RESERVE_SHARE);
}

/** How many tiles the area has, how much room they may take, and whether the device can save them. */
export async function planArea(
  config: BaseMapConfig,
  bounds: LatLonBounds,
  minZoom: number,
  maxZoom: number,
  options: PlanOptions = {},
): Promise<AreaPlan> {
  const shape = zoomProblem(config, minZoom, maxZoom) ?? boundsProblem(bounds);
  const tileCount = shape ? 0 : countTiles(bounds, minZoom, maxZoom);
  const estimatedBytes = tileCount * (options.averageTileBytes ?? DEFAULT_TILE_BYTES);
  const availableBytes = await freeBytes(options.estimate);
  let problem = shape;
  if (!problem && tileCount > MAX_AREA_TILES) {
    problem =
      `This area has ${tileCount.toLocaleString('en')} map tiles, more than the ` +
      `${MAX_AREA_TILES.toLocaleString('en')} one area may have: zoom in or lower the deepest zoom.`;
  }
  if (!problem && availableBytes !== null) {
    const usable = usableBytes(availableBytes);
    if (estimatedBytes > usable) {
      problem =
        usable > 0
          ? `This area needs about ${formatBytes(estimatedBytes)}, but only ${formatBytes(usable)} is free ` +
            'for maps (some space stays free for photos and forms): free some space or choose a smaller area.'
          : `This area needs about ${formatBytes(estimatedBytes)}, but the ${formatBytes(availableBytes)} ` +
            'still free must stay free for photos and forms: free some space or choose a smaller area.';
    }
  }
  return { tileCount, estimatedBytes, availableBytes, fits: problem === null, problem };
}

export type AreaStatus = 'downloading' | 'complete' | 'incomplete' | 'failed';

/** An area saved for offline use, as stored in the `areas` store under its id. */
export interface SavedArea {
  schema: 1;
  id: string;
  name: string;
  bounds: LatLonBounds;
  minZoom: number;
  maxZoom: number;
  /** The URL template the tiles were saved from. */
  tileUrl: string;
  /** Its `{s}` values: with the template they give each tile's URL, and so the tiles the area holds. */
  subdomains: string[];
  tileCount: number;
  tilesDone: number;
  /** Size of the area's tiles in the cache, shared ones included. */
  bytes: number;
  /** ISO time. */
  createdAt: string;
  status: AreaStatus;
  /** Why the area is incomplete or failed, in words the user can act on. */
  error?: string;
}

/** Sent as the detail of each `progress` event: after every tile, and once when the download ends. */
export interface AreaProgress {
  id: string;
  /** Tiles in the cache so far. */
  done: number;
  /** Tiles given up on so far. */
  failed: number;
  total: number;
  bytes: number;
  status: AreaStatus;
}

/** A download under way. */
export interface AreaDownload {
  /** The record as stored when the download began. */
  area: SavedArea;
  /** The record as the download left it; null when the area was cancelled. Rejects only if the record cannot be written. */
  finished: Promise<SavedArea | null>;
}

export interface OfflineAreasOptions {
  stores?: Stores;
  savedCache?: string;
  seenCache?: string;
  /** Where the caches live; the origin's Cache Storage when not given. */
  cacheStorage?: CacheStorage;
  concurrency?: number;
  retryDelaysMs?: readonly number[];
  /** Storage estimate for the plan made before each download. */
  estimate?: StorageEstimator;
  averageTileBytes?: number;
}

interface Job {
  id: string;
  controller: AbortController;
  cancelled: boolean;
  finished: Promise<SavedArea | null>;
}

type TileOutcome = { bytes: number } | { failure: string; transient: boolean };

function readable(value: unknown): value is SavedArea {
  return typeof value === 'object' && value !== null && (value as { schema?: unknown }).schema === 1;
}

/** The record without a stale error, at a new status. */
function withStatus(area: SavedArea, status: AreaStatus, error?: string): SavedArea {
  const next: SavedArea = { ...area, status };
  delete next.error;
  return error === undefined ? next : { ...next, error };
}

/** Every tile URL of an area, as the map would request them. */
export function areaTileUrls(
  area: Pick<SavedArea, 'bounds' | 'minZoom' | 'maxZoom' | 'tileUrl' | 'subdomains'>,
): string[] {
  const config: BaseMapConfig = {
    tileUrl: area.tileUrl,
    subdomains: area.subdomains,
    attribution: '',
    maxZoom: area.maxZoom,
  };
  return Array.from(tilesIn(area.bounds, area.minZoom, area.maxZoom), (c) => tileUrl(config, c));
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// Tile servers may vary on Accept or Origin; a tile is the same whatever the asker sent.
const matchOptions = { ignoreVary: true } as const;

/** A tile as kept: its bytes and type only, whatever headers the tile server sent. */
function tileResponse(blob: Blob): Response {
  return new Response(blob, {
    headers: { 'Content-Type': blob.type, 'Content-Length': String(blob.size) },
  });
}

async function sizeOf(response: Response): Promise<number> {
  const length = Number(response.headers.get('Content-Length'));
  if (Number.isInteger(length) && length > 0) return length;
  return (await response.blob()).size;
}

/**
 * Downloads areas one at a time and keeps their records. The app holds one
 * instance for the life of the page, so a download goes on when the user
 * leaves the map screen.
 *
 * @fires progress - CustomEvent<AreaProgress>: after each tile and when a download ends (not after a cancel).
 * @fires change - Event: an area was added, finished or removed; read list() again.
 */
export class OfflineAreas extends EventTarget {
  readonly savedCache: string;
  readonly seenCache: string;
  private readonly store: UseStore;
  private readonly caches: CacheStorage | undefined;
  private readonly concurrency: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly estimate: StorageEstimator | undefined;
  private readonly averageTileBytes: number | undefined;
  private job: Job | null = null;
  /** Creating and deleting areas, one at a time: a tile must not be freed while a new area counts on it. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(options: OfflineAreasOptions = {}) {
    super();
    this.store = (options.stores ?? defaultStores).areas;
    this.savedCache = options.savedCache ?? SAVED_TILES_CACHE;
    this.seenCache = options.seenCache ?? SEEN_TILES_CACHE;
    this.caches = options.cacheStorage;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.estimate = options.estimate;
    this.averageTileBytes = options.averageTileBytes;
  }

  /** Calls listener with each progress event's detail. Returns the unsubscribe function. */
  onProgress(listener: (progress: AreaProgress) => void): () => void {
    const handler = (e: Event) => listener((e as CustomEvent<AreaProgress>).detail);
    this.addEventListener('progress', handler);
    return () => this.removeEventListener('progress', handler);
  }

  /** The id of the area downloading in this page, or null. */
  get downloading(): string | null {
    return this.job?.id ?? null;
  }

  /**
   * Records the area (status 'downloading'), then downloads its tiles in the
   * background. Rejects, recording nothing, when the area cannot be saved
   * (the plan's problem) or another download is running.
   */
  async start(
    config: BaseMapConfig,
    bounds: LatLonBounds,
    minZoom: number,
    maxZoom: number,
    name: string,
  ): Promise<AreaDownload> {
    const job = this.claim(crypto.randomUUID());
    try {
      const plan = await planArea(config, bounds, minZoom, maxZoom, {
        averageTileBytes: this.averageTileBytes,
        estimate: this.estimate,
      });
      if (plan.problem) throw new Error(plan.problem);
      const area: SavedArea = {
        schema: 1,
        id: job.id,
        name,
        bounds: { south: bounds.south, west: bounds.west, north: bounds.north, east: bounds.east },
        minZoom,
        maxZoom,
        tileUrl: config.tileUrl,
        subdomains: [...config.subdomains],
        tileCount: plan.tileCount,
        tilesDone: 0,
        bytes: 0,
        createdAt: new Date().toISOString(),
        status: 'downloading',
      };
      await this.record(job, area);
      return this.launch(job, area);
    } catch (e) {
      if (this.job === job) this.job = null;
      throw e;
    }
  }

  /** Downloads the tiles an area still lacks (after a failure, an interruption, or to check a complete one). */
  async resume(id: string): Promise<AreaDownload> {
    const job = this.claim(id);
    try {
      const stored = await get<unknown>(id, this.store);
      if (!readable(stored)) throw new Error('This map area no longer exists.');
      const area = withStatus(stored, 'downloading');
      await this.record(job, area);
      return this.launch(job, area);
    } catch (e) {
      if (this.job === job) this.job = null;
      throw e;
    }
  }

  /** Stops the area's download at once if it is running, then removes it as remove() does. */
  cancel(id: string): Promise<void> {
    return this.remove(id);
  }

  /**
   * Deletes the area's record and the tiles no other saved area covers.
   * A download of it in this page is stopped first.
   */
  async remove(id: string): Promise<void> {
    const job = this.job;
    if (job?.id === id) {
      job.cancelled = true;
      job.controller.abort();
      // Tile writes already under way finish first, so none lands after its area is gone.
      await job.finished;
    }
    try {
      await this.exclusive(() => this.deleteArea(id));
    } finally {
      // A cancelled download keeps the slot until its tiles are freed, so no new area counts on them.
      if (job?.id === id && this.job === job) this.job = null;
    }
    this.dispatchEvent(new Event('change'));
  }

  /**
   * The saved areas, newest first. An area recorded as downloading with no
   * download running in this page (its tab was closed) is reported as
   * incomplete, so it can be resumed.
   */
  async list(): Promise<SavedArea[]> {
    const all = (await entries<string, unknown>(this.store)).map(([, v]) => v).filter(readable);
    return all
      .map((a) =>
        a.status === 'downloading' && this.job?.id !== a.id
          ? withStatus(a, 'incomplete', INTERRUPTED_MESSAGE)
          : a,
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** Looked up when used: the module-level instance is made before anything needs Cache Storage. */
  private get cacheStorage(): CacheStorage {
    return this.caches ?? globalThis.caches;
  }

  private claim(id: string): Job {
    if (this.job) throw new Error(BUSY_MESSAGE);
    const job: Job = {
      id,
      controller: new AbortController(),
      cancelled: false,
      finished: Promise.resolve(null),
    };
    this.job = job;
    return job;
  }

  /** Writes the record a download starts from, unless the area was cancelled meanwhile (it would come back). */
  private record(job: Job, area: SavedArea): Promise<void> {
    return this.exclusive(async () => {
      if (job.cancelled) throw new Error('The download was cancelled.');
      await guardQuota(() => set(area.id, area, this.store));
    });
  }

  private launch(job: Job, area: SavedArea): AreaDownload {
    job.finished = this.download(job, area).finally(() => {
      if (this.job === job && !job.cancelled) this.job = null;
    });
    this.dispatchEvent(new Event('change'));
    return { area, finished: job.finished };
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private emit(progress: AreaProgress): void {
    this.dispatchEvent(new CustomEvent<AreaProgress>('progress', { detail: progress }));
  }

  private async download(job: Job, area: SavedArea): Promise<SavedArea | null> {
    const signal = job.controller.signal;
    const urls = areaTileUrls(area);
    const total = urls.length;
    let next = 0;
    let done = 0;
    let failed = 0;
    let bytes = 0;
    let inARow = 0;
    let lastFailure = UNREACHABLE;
    let outOfSpace = false;
    let fatal: string | null = null;
    let recordedAt = Date.now();
    let writes: Promise<unknown> = Promise.resolve();
    const recordProgress = (status: AreaStatus) => {
      const snapshot = { ...area, tilesDone: done, bytes, status };
      // Progress records are a courtesy: a failed one is followed by the final write.
      writes = writes.then(() => set(area.id, snapshot, this.store)).catch(() => undefined);
    };

    const worker = async () => {
      while (!signal.aborted) {
        const url = urls[next++];
        if (url === undefined) return;
        let outcome: TileOutcome;
        try {
          outcome = await this.saveTile(url, signal);
        } catch (e) {
          if (signal.aborted) return;
          if (isQuotaError(e)) {
            outOfSpace = true;
            job.controller.abort();
            return;
          }
          outcome = { failure: e instanceof Error ? e.message : String(e), transient: false };
        }
        if ('bytes' in outcome) {
          done++;
          bytes += outcome.bytes;
          inARow = 0;
        } else {
          failed++;
          lastFailure = outcome.failure;
          if (outcome.transient && ++inARow >= GIVE_UP_AFTER_FAILURES) job.controller.abort();
        }
        if (job.cancelled) return;
        this.emit({ id: area.id, done, failed, total, bytes, status: 'downloading' });
        if (Date.now() - recordedAt >= RECORD_EVERY_MS) {
          recordedAt = Date.now();
          recordProgress('downloading');
        }
      }
    };

    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, total) }, worker));
    } catch (e) {
      fatal = `Saving the map tiles failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    await writes;
    if (job.cancelled) return null;
    if (outOfSpace) {
      // Counted now: tiles already being written when space ran out may still have been kept.
      fatal =
        `The device ran out of storage space after ${done} of ${total} tiles: ` +
        'free some space, then resume the download, or delete this area.';
    }

    const missing = total - done;
    const final =
      fatal !== null
        ? withStatus(area, 'failed', fatal)
        : missing === 0
          ? withStatus(area, 'complete')
          : withStatus(
              area,
              'incomplete',
              `${missing} of ${total} tiles are missing (${lastFailure}). ` +
                'Resume the download to fetch only those.',
            );
    const result: SavedArea = { ...final, tilesDone: done, bytes };
    this.emit({ id: area.id, done, failed, total, bytes, status: result.status });
    try {
      await set(area.id, result, this.store);
    } catch (e) {
      // With the disk full the record may stay "downloading": list() then reports it incomplete.
      if (!isQuotaError(e)) throw e;
    }
    this.dispatchEvent(new Event('change'));
    return result;
  }

  /** Puts one tile in the saved cache, from there already, from the seen tiles, or from the network. */
  private async saveTile(url: string, signal: AbortSignal): Promise<TileOutcome> {
    const have = await this.cacheStorage.match(url, { ...matchOptions, cacheName: this.savedCache });
    if (have) return { bytes: await sizeOf(have) };
    const seen = await this.cacheStorage.match(url, { ...matchOptions, cacheName: this.seenCache });
    if (seen?.ok) {
      const blob = await seen.blob();
      if (blob.type.startsWith('image/')) return this.keep(url, blob, signal);
    }
    for (let attempt = 0; ; attempt++) {
      const got = await this.fetchTile(url, signal);
      if (got instanceof Blob) return this.keep(url, got, signal);
      const delay = this.retryDelaysMs[attempt];
      if (!got.transient || delay === undefined) return got;
      await pause(delay, signal);
    }
  }

  private async keep(url: string, blob: Blob, signal: AbortSignal): Promise<TileOutcome> {
    // Opened for each tile: a Cache object held across a clear of the cache would write into a deleted one.
    const cache = await this.cacheStorage.open(this.savedCache);
    signal.throwIfAborted();
    await cache.put(url, tileResponse(blob));
    return { bytes: blob.size };
  }

  private async fetchTile(
    url: string,
    signal: AbortSignal,
  ): Promise<Blob | { failure: string; transient: boolean }> {
    let response: Response;
    try {
      response = await fetch(url, { mode: 'cors', credentials: 'omit', signal });
    } catch (e) {
      if (signal.aborted) throw e;
      return { failure: UNREACHABLE, transient: true };
    }
    if (!response.ok) {
      const s = response.status;
      return { failure: `the map server answered ${s}`, transient: s === 408 || s === 429 || s >= 500 };
    }
    try {
      const blob = await response.blob();
      // A captive portal's login page must not be kept as a tile.
      if (!blob.type.startsWith('image/'))
        return { failure: 'the map server sent something other than an image', transient: false };
      return blob;
    } catch (e) {
      if (signal.aborted) throw e;
      return { failure: UNREACHABLE, transient: true };
    }
  }

  /** Removes the tiles only this area covers, then its record (so an interrupted removal can be run again). */
  private async deleteArea(id: string): Promise<void> {
    const stored = await get<unknown>(id, this.store);
    if (!readable(stored)) {
      await del(id, this.store);
      return;
    }
    const keep = new Set<string>();
    for (const [key, other] of await entries<string, unknown>(this.store)) {
      if (key !== id && readable(other)) for (const url of areaTileUrls(other)) keep.add(url);
    }
    const cache = await this.cacheStorage.open(this.savedCache);
    await Promise.all(
      areaTileUrls(stored)
        .filter((url) => !keep.has(url))
        .map((url) => cache.delete(url, matchOptions)),
    );
    await del(id, this.store);
  }
}

/** The page's one download manager. */
export const offlineAreas = new OfflineAreas();
