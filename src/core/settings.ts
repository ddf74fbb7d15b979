/** Small device-wide values: the device id and the reference data. */
import { get, promisifyRequest } from 'idb-keyval';
import type { ReferenceData } from '../../shared/forms.js';
import { validateReference } from '../../shared/validate.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';

/**
 * A random id for this installation, made once. It lets the server tell
 * devices apart without knowing anything about the person.
 */
export async function getDeviceId(s: Stores = defaultStores): Promise<string> {
  let id = '';
  // Read and write in one transaction, so two tabs starting together agree.
  await s.settings('readwrite', (store) => {
    const req = store.get('deviceId');
    req.onsuccess = () => {
      if (typeof req.result === 'string') {
        id = req.result;
      } else {
        id = crypto.randomUUID();
        store.put(id, 'deviceId');
      }
    };
    return promisifyRequest(store.transaction);
  });
  return id;
}

export interface StoredReference {
  schema: 1;
  data: ReferenceData;
  etag: string | null;
  /** ISO time of the last successful check with the server. */
  checkedAt: string;
}

export async function getStoredReference(s: Stores = defaultStores): Promise<StoredReference | undefined> {
  const raw = await get<StoredReference>('reference', s.settings);
  if (!raw || raw.schema !== 1 || validateReference(raw.data).length) return undefined;
  return raw;
}

/**
 * Fetches the forms and choice lists and keeps them for offline use. Bad or
 * partial data never replaces good data. Resolves to what the device now has
 * (possibly the older copy), or undefined when it has none.
 */
export async function refreshReference(
  baseUrl = '',
  s: Stores = defaultStores,
  fetcher: typeof fetch = fetch,
): Promise<StoredReference | undefined> {
  const stored = await getStoredReference(s);
  const headers: Record<string, string> = {};
  if (stored?.etag) headers['If-None-Match'] = stored.etag;
  const res = await fetcher(`${baseUrl}/api/reference`, {
    headers,
    cache: 'no-store',
    signal: AbortSignal.timeout(20000),
  });
  if (res.status === 304 && stored) {
    const next = { ...stored, checkedAt: new Date().toISOString() };
    await guardQuota(() => set(next, s));
    return next;
  }
  if (!res.ok) throw new Error(`The server answered ${res.status} for the forms.`);
  const data: unknown = await res.json();
  const problems = validateReference(data);
  if (problems.length) throw new Error(`The server sent forms this app cannot use: ${problems[0]}`);
  const next: StoredReference = {
    schema: 1,
    data: data as ReferenceData,
    etag: res.headers.get('ETag'),
    checkedAt: new Date().toISOString(),
  };
  await guardQuota(() => set(next, s));
  return next;
}

function set(value: StoredReference, s: Stores): Promise<void> {
  return s.settings('readwrite', (store) => {
    store.put(value, 'reference');
    return promisifyRequest(store.transaction);
  });
}
