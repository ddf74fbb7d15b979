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
import type { RefreshReply, RefreshRequest } from './refresh-messages.js';

function inWorker(request: RefreshRequest): Promise<RefreshReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./refresh-worker.ts', import.meta.url), { type: 'module' });
    const done = () => worker.terminate();
    worker.addEventListener('message', (e: MessageEvent<RefreshReply>) => {
      done();
      resolve(e.data);
    });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      done();
      reject(new Error(e.message || 'The refresh worker failed to start.'));
    });
    worker.postMessage(request);
  });
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
