/**
 * The page's refresh of the reference data, run in a worker where it can be
 * (src/reference/refresh-worker.ts), in the page otherwise. Its result is the
 * same as refreshReference's.
 */
import {
  getStoredReference,
  refreshReference,
  type RefreshResult,
  type StoredReference,
} from '../core/reference.js';
import type { Stores } from '../core/stores.js';
import { oneShotWorker } from './one-shot-worker.js';
import type { RefreshReply, RefreshRequest } from './refresh-messages.js';

function inWorker(request: RefreshRequest): Promise<RefreshReply> {
  return oneShotWorker(
    () => new Worker(new URL('./refresh-worker.ts', import.meta.url), { type: 'module' }),
    request,
  );
}

/**
 * Refreshes the reference data; `current` is what the caller holds, which
 * stays in use when nothing new arrived. Only new data is read back.
 */
export async function refreshOffThread(
  stores: Stores,
  current: StoredReference | undefined,
  baseUrl = '',
): Promise<RefreshResult> {
  if (!stores.prefix || typeof Worker === 'undefined')
    return refreshReference({ baseUrl, current: current ?? null }, stores);
  let reply: RefreshReply;
  try {
    reply = await inWorker({ prefix: stores.prefix, baseUrl });
  } catch (e) {
    console.warn('Refreshing the forms in the page: the worker could not run', e);
    return refreshReference({ baseUrl, current: current ?? null }, stores);
  }
  const { attempt, checkedAt } = reply;
  if (attempt.outcome === 'updated' || !current)
    return { attempt, reference: await getStoredReference(stores) };
  return { attempt, reference: checkedAt ? { ...current, checkedAt } : current };
}
