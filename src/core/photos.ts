/** Photos on the device, keyed by SHA-256, stored before any record refers to them. */
import { get, getMany, keys, delMany, set } from 'idb-keyval';
import type { StoredPhoto } from '../../shared/outbox.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';

export async function putPhoto(photo: StoredPhoto, s: Stores = defaultStores): Promise<void> {
  await guardQuota(() => set(photo.sha256, { ...photo, addedAt: Date.now() }, s.photos));
}

export function getPhoto(sha256: string, s: Stores = defaultStores): Promise<StoredPhoto | undefined> {
  return get<StoredPhoto>(sha256, s.photos);
}

/** Which of these hashes the device holds. */
export async function hasPhotos(hashes: string[], s: Stores = defaultStores): Promise<boolean[]> {
  const found = await getMany<StoredPhoto>(hashes, s.photos);
  return found.map((p) => p !== undefined);
}

export function photoHashes(s: Stores = defaultStores): Promise<string[]> {
  return keys<string>(s.photos);
}

export function deletePhotos(hashes: string[], s: Stores = defaultStores): Promise<void> {
  return delMany(hashes, s.photos);
}
