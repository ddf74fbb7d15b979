/** Stored photos and submissions for tests, made from real encoded images. */
import type { StoredPhoto } from '../../shared/outbox.js';
import type { PhotoRef, SubmissionPayload } from '../../shared/submission.js';
import { putPhoto } from '../../src/core/photos.js';
import { openStores, type Stores } from '../../src/core/stores.js';
import { saveSubmission } from '../../src/core/submissions.js';

/** Fresh, isolated databases for one test. */
export function testStores(): Stores {
  return openStores(`test-${crypto.randomUUID()}`);
}

export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A real JPEG, different for each seed, as the photo pipeline would store it. */
export async function makeStoredPhoto(seed: number, width = 64, height = 48): Promise<StoredPhoto> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D context');
  ctx.fillStyle = `hsl(${(seed * 47) % 360} 70% 50%)`;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#000';
  ctx.fillText(String(seed), 4, 20);
  const data = await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer();
  return {
    schema: 1,
    sha256: await sha256Hex(data),
    type: 'image/jpeg',
    data,
    width,
    height,
    geotag: { lat: -0.1, lon: 34.7, accuracy: 8, time: new Date().toISOString(), source: 'device' },
    thumbnail: data,
  };
}

export function photoRef(p: StoredPhoto, field = 'photos'): PhotoRef {
  return {
    sha256: p.sha256,
    bytes: p.data.byteLength,
    type: p.type,
    width: p.width,
    height: p.height,
    field,
    geotag: p.geotag,
  };
}

/** A valid submission of the demo form "Water point inspection". */
export function demoPayload(
  photos: StoredPhoto[],
  overrides: Partial<SubmissionPayload['answers']> = {},
): SubmissionPayload {
  const location = { lat: -0.0917, lon: 34.768, accuracy: 6, time: new Date().toISOString() };
  const answers: SubmissionPayload['answers'] = {
    site: 'site_001',
    condition: 'working',
    people_served: 120,
    location,
    photos: photos.map((p) => p.sha256),
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) answers[k] = v;
  return {
    id: crypto.randomUUID(),
    formId: 'water-point-inspection',
    formVersion: 1,
    answers,
    location,
    photos: photos.map((p) => photoRef(p)),
    createdAt: new Date().toISOString(),
    deviceId: crypto.randomUUID(),
    referenceVersion: null,
  };
}

interface StorageBucket {
  indexedDB: IDBFactory;
}
interface StorageBucketManager {
  open(name: string, options?: { quota?: number; persisted?: boolean }): Promise<StorageBucket>;
  delete(name: string): Promise<void>;
}

/**
 * Stores inside a Storage Bucket with a small quota, so Chromium itself
 * refuses writes past it with a real QuotaExceededError, as on a full phone.
 */
export async function fullDiskStores(quotaBytes: number): Promise<Stores> {
  const buckets = (navigator as Navigator & { storageBuckets?: StorageBucketManager }).storageBuckets;
  if (!buckets) throw new Error('This browser has no Storage Buckets API');
  const name = `full-${crypto.randomUUID().slice(0, 8)}`;
  const bucket = await buckets.open(name, { quota: quotaBytes });
  const storeIn = (db: string): Stores['photos'] => {
    let dbp: Promise<IDBDatabase> | undefined;
    const open = () => {
      dbp ??= new Promise<IDBDatabase>((resolve, reject) => {
        const req = bucket.indexedDB.open(db);
        req.onupgradeneeded = () => req.result.createObjectStore(db);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      return dbp;
    };
    return async (mode, callback) => callback((await open()).transaction(db, mode).objectStore(db));
  };
  return {
    submissions: storeIn('submissions'),
    photos: storeIn('photos'),
    drafts: storeIn('drafts'),
    settings: storeIn('settings'),
    tiles: storeIn('tiles'),
    areas: storeIn('areas'),
    feedback: storeIn('feedback'),
  };
}

/** Saves a queued demo submission with one photo of its own (drawn from seed); resolves to its id. */
export async function queueDemoSubmission(
  s: Stores,
  seed: number,
  overrides: Parameters<typeof demoPayload>[1] = {},
): Promise<string> {
  const photo = await makeStoredPhoto(seed);
  await putPhoto(photo, s);
  const payload = demoPayload([photo], overrides);
  await saveSubmission(payload, s);
  return payload.id;
}
