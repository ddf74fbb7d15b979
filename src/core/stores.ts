/**
 * The device's databases. idb-keyval's createStore makes one object store per
 * database, so each kind of record has its own database. Every function in
 * src/core takes the stores as a defaulted last parameter so tests can use
 * their own, isolated databases.
 */
import { createStore, type UseStore } from 'idb-keyval';

export interface Stores {
  /** The databases' name prefix, for a worker to open the same ones. */
  prefix?: string;
  submissions: UseStore;
  photos: UseStore;
  drafts: UseStore;
  settings: UseStore;
  /** The service worker's record of cached map tiles: when each was last used and its size. */
  tiles: UseStore;
  /** The map areas saved for offline use. */
  areas: UseStore;
  /** What reviewers did to the submissions sent (src/core/feedback.ts). */
  feedback: UseStore;
}

export const DB_PREFIX = 'fieldsync';

export function openStores(prefix = DB_PREFIX): Stores {
  return {
    prefix,
    submissions: createStore(`${prefix}-submissions`, 'submissions'),
    photos: createStore(`${prefix}-photos`, 'photos'),
    drafts: createStore(`${prefix}-drafts`, 'drafts'),
    settings: createStore(`${prefix}-settings`, 'settings'),
    tiles: createStore(`${prefix}-tiles`, 'tiles'),
    areas: createStore(`${prefix}-areas`, 'areas'),
    feedback: createStore(`${prefix}-feedback`, 'feedback'),
  };
}

export const defaultStores: Stores = openStores();

/** Thrown when the device has no room left; nothing was written. */
export class StorageFullError extends Error {
  constructor() {
    super(
      'This device is out of storage space. Nothing was lost: free some space (delete old photos or apps), then try again.',
    );
    this.name = 'StorageFullError';
  }
}

/** IndexedDB reports a full disk as a DOMException named QuotaExceededError. */
export function isQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || e.code === 22);
}

/** Runs a write, turning a full disk into StorageFullError. */
export async function guardQuota<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isQuotaError(e) || (e instanceof Error && isQuotaError(e.cause))) throw new StorageFullError();
    throw e;
  }
}
