/**
 * The reference data (forms and choice lists) kept on the device, and the one
 * way to refresh it, used by the page and by the service worker's periodic
 * sync alike. Bad, partial or missing answers never replace good data.
 */
import { get, getMany, promisifyRequest } from 'idb-keyval';
import { usableBaseMap, type BaseMapConfig } from '../../shared/base-map.js';
import type { ReferenceData } from '../../shared/forms.js';
import { DEFAULT_STALE_AFTER_HOURS } from '../../shared/review-flags.js';
import { APP_CHANNEL, type AppMessage, type ReferenceUpdate } from '../../shared/messages.js';
import { validateReference } from '../../shared/validate.js';
import { fromRecord, toRecord, type ReferenceRecord } from './reference-lists.js';
import { apiInit, BACKGROUND_REQUEST_TIMEOUT_MS } from './api-request.js';
import { markNotEnrolled } from './enrollment.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';

/** The periodic Background Sync tag of the daily refresh. */
export const REFERENCE_SYNC_TAG = 'reference-data';
/** Data checked longer ago than this is refreshed when the app starts. */
export const REFRESH_AFTER_MS = 24 * 60 * 60 * 1000;

const REFERENCE_KEY = 'reference';
const ATTEMPT_KEY = 'referenceAttempt';
/** The usable base map alone (null for none), written with the reference data: the worker reads it for every tile. */
const BASE_MAP_KEY = 'baseMap';

/**
 * The reference data on the device, as the app uses it: in this shape it was
 * also stored, as schema 1, before the lists were kept as text
 * (src/core/reference-lists.ts); both are read.
 */
export interface StoredReference {
  schema: 1;
  data: ReferenceData;
  etag: string | null;
  /** ISO time of the last successful check with the server (new data or 304). */
  checkedAt: string;
}

export type RefreshOutcome = 'updated' | 'unchanged' | 'failed';

/** The last refresh attempt, successful or not. */
export interface RefreshAttempt {
  /** ISO time of the attempt. */
  at: string;
  outcome: RefreshOutcome;
  /** What happened, in words a person can act on. */
  message: string;
  by: 'page' | 'worker';
}

export interface RefreshResult {
  attempt: RefreshAttempt;
  /** What the device holds now (possibly the older copy), or undefined when it has none. */
  reference: StoredReference | undefined;
}

function readable(raw: StoredReference | ReferenceRecord | undefined): StoredReference | undefined {
  if (raw?.schema === 2) {
    const data = fromRecord(raw);
    return data && { schema: 1, data, etag: raw.etag, checkedAt: raw.checkedAt };
  }
  if (!raw || raw.schema !== 1 || validateReference(raw.data).length) return undefined;
  return raw;
}

export async function getStoredReference(s: Stores = defaultStores): Promise<StoredReference | undefined> {
  return readable(await get<StoredReference | ReferenceRecord>(REFERENCE_KEY, s.settings));
}

export async function getLastRefreshAttempt(s: Stores = defaultStores): Promise<RefreshAttempt | undefined> {
  return get<RefreshAttempt>(ATTEMPT_KEY, s.settings);
}

/** The stored data and the last attempt, read together. */
export async function getReferenceStatus(
  s: Stores = defaultStores,
): Promise<{ reference: StoredReference | undefined; lastAttempt: RefreshAttempt | undefined }> {
  const [ref, attempt] = await getMany<unknown>([REFERENCE_KEY, ATTEMPT_KEY], s.settings);
  return {
    reference: readable(ref as StoredReference | ReferenceRecord | undefined),
    lastAttempt: attempt as RefreshAttempt | undefined,
  };
}

/**
 * The base map of the stored reference data, or null when none is configured
 * or usable. Reads a small copy kept beside the data; data stored by an older
 * version has none, so the full record is read once and the copy written.
 */
export async function getBaseMap(s: Stores = defaultStores): Promise<BaseMapConfig | null> {
  const small = await get<unknown>(BASE_MAP_KEY, s.settings);
  if (small !== undefined) return usableBaseMap(small);
  let baseMap: BaseMapConfig | null = null;
  // One transaction: a refresh finishing meanwhile cannot be overwritten with the older copy's map.
  await s.settings('readwrite', (store) => {
    const mine = store.get(BASE_MAP_KEY);
    const full = store.get(REFERENCE_KEY);
    full.onsuccess = () => {
      if (mine.result !== undefined) {
        baseMap = usableBaseMap(mine.result);
        return;
      }
      const ref = readable(full.result as StoredReference | ReferenceRecord | undefined);
      if (!ref) return;
      baseMap = usableBaseMap(ref.data.baseMap);
      store.put(baseMap, BASE_MAP_KEY);
    };
    return promisifyRequest(store.transaction);
  });
  return baseMap;
}

/** Hours after which the server wants its data shown as out of date. */
export function staleAfterHours(ref: StoredReference): number {
  const h = ref.data.staleAfterHours;
  return typeof h === 'number' && Number.isFinite(h) && h > 0 ? h : DEFAULT_STALE_AFTER_HOURS;
}

/** True when the data was last confirmed longer ago than the server's threshold. */
export function isStale(ref: StoredReference, now = Date.now()): boolean {
  return now - Date.parse(ref.checkedAt) > staleAfterHours(ref) * 3600_000;
}

/** True when start-up should check with the server: no data, or not checked for a day. */
export function needsRefresh(ref: StoredReference | undefined, now = Date.now()): boolean {
  if (!ref) return true;
  const checked = Date.parse(ref.checkedAt);
  return !(now - checked < REFRESH_AFTER_MS && checked <= now);
}

let channel: BroadcastChannel | null = null;

/** Tells every page (and the worker) that the stored data or the last attempt changed. */
function announce(update: ReferenceUpdate): void {
  // A channel object of its own: BroadcastChannel does not echo to its sender,
  // but the app's other listeners in this same context do hear it.
  channel ??= new BroadcastChannel(APP_CHANNEL);
  const message: AppMessage = { type: 'reference-updated', payload: update };
  channel.postMessage(message);
}

async function fetchNext(
  stored: StoredReference | undefined,
  baseUrl: string,
  fetcher: typeof fetch,
  at: string,
  s: Stores,
): Promise<{ outcome: RefreshOutcome; message: string; next: StoredReference | undefined }> {
  const headers: Record<string, string> = {};
  if (stored?.etag) headers['If-None-Match'] = stored.etag;
  let res: Response;
  const sentAt = Date.now();
  try {
    res = await fetcher(
      `${baseUrl}/api/reference`,
      apiInit({ headers, cache: 'no-store', signal: AbortSignal.timeout(BACKGROUND_REQUEST_TIMEOUT_MS) }),
    );
  } catch {
    return { outcome: 'failed', message: 'The server could not be reached.', next: undefined };
  }
  if (res.status === 401) {
    // The server gives its forms only to enrolled devices (and signed-in people).
    await markNotEnrolled(sentAt, s).catch(() => undefined);
    return {
      outcome: 'failed',
      message: 'The server does not know this device (not enrolled, or no longer), so it sends no forms.',
      next: undefined,
    };
  }
  if (res.status === 304 && stored) {
    return {
      outcome: 'unchanged',
      message: 'The forms and lists are up to date.',
      next: { ...stored, checkedAt: at },
    };
  }
  if (!res.ok) {
    return { outcome: 'failed', message: `The server answered HTTP ${res.status}.`, next: undefined };
  }
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    return { outcome: 'failed', message: 'The server sent forms that are not valid JSON.', next: undefined };
  }
  const problems = validateReference(data);
  if (problems.length) {
    return {
      outcome: 'failed',
      message: `The server sent forms this app cannot use: ${problems[0]}`,
      next: undefined,
    };
  }
  return {
    outcome: 'updated',
    message: 'New forms and lists were downloaded.',
    next: { schema: 1, data: data as ReferenceData, etag: res.headers.get('ETag'), checkedAt: at },
  };
}

export interface RefreshOptions {
  baseUrl?: string;
  fetcher?: typeof fetch;
  /**
   * What the caller has just read (null: nothing stored), so start-up reads
   * the data once; read here when not given. A copy older than what another
   * page stored meanwhile is safe: the server answers 304 only to the ETag
   * it holds now.
   */
  current?: StoredReference | null;
}

/**
 * Checks the server for new forms and choice lists (If-None-Match with the
 * stored ETag) and keeps them for offline use. A 304 moves only the check
 * time; new data replaces the old only after validation; a failure keeps the
 * old data. Records the attempt and tells every open page. Never throws.
 */
export async function refreshReference(
  options: RefreshOptions & { by?: 'page' | 'worker' } = {},
  s: Stores = defaultStores,
): Promise<RefreshResult> {
  const { baseUrl = '', fetcher = fetch, by = 'page' } = options;
  const stored = options.current === undefined ? await getStoredReference(s) : (options.current ?? undefined);
  const at = new Date().toISOString();
  const result = await fetchNext(stored, baseUrl, fetcher, at, s);
  let attempt: RefreshAttempt = { at, outcome: result.outcome, message: result.message, by };
  let reference = stored;
  try {
    await guardQuota(() => write(result.next, attempt, s));
    reference = result.next ?? stored;
  } catch (e) {
    attempt = { at, outcome: 'failed', message: e instanceof Error ? e.message : String(e), by };
    // Recording the failure is best effort: the disk may be what failed.
    await write(undefined, attempt, s).catch(() => undefined);
  }
  announce({ ...attempt, checkedAt: reference?.checkedAt ?? null });
  return { attempt, reference };
}

/** Refreshes only when needsRefresh says so; resolves to null when the data is fresh. */
export async function refreshIfStale(
  options: RefreshOptions & { now?: number } = {},
  s: Stores = defaultStores,
): Promise<RefreshResult | null> {
  const current = options.current === undefined ? await getStoredReference(s) : options.current;
  if (!needsRefresh(current ?? undefined, options.now)) return null;
  return refreshReference({ ...options, current }, s);
}

/** Writes the data (when given), its base map and the attempt in one transaction. */
function write(reference: StoredReference | undefined, attempt: RefreshAttempt, s: Stores): Promise<void> {
  return s.settings('readwrite', (store) => {
    if (reference) {
      store.put(toRecord(reference.data, reference.etag, reference.checkedAt), REFERENCE_KEY);
      store.put(usableBaseMap(reference.data.baseMap), BASE_MAP_KEY);
    }
    store.put(attempt, ATTEMPT_KEY);
    return promisifyRequest(store.transaction);
  });
}
