import type { StoredPhoto } from '../../shared/outbox.js';
import type { PhotoGeotag } from '../../shared/submission.js';
import { PhotoError } from './photo-error.js';
import type { PhotoWorkerReply, PhotoWorkerRequest, PreparedPhoto } from './photo-messages.js';

export { PhotoError } from './photo-error.js';

export interface ProcessPhotoOptions {
  /** Where the device is now; asked only when the photo has no EXIF GPS. */
  deviceGeotag: () => PhotoGeotag | null;
  /** Longest side of the stored photo in pixels; smaller photos are kept as they are. */
  maxLongSide?: number;
}

const DEFAULT_MAX_LONG_SIDE = 2048;
const THUMBNAIL_LONG_SIDE = 256;

interface Pending {
  name: string | undefined;
  resolve: (photo: PreparedPhoto) => void;
  reject: (error: PhotoError) => void;
}

let worker: Worker | null = null;
const pending = new Map<number, Pending>();
let nextId = 1;

/**
 * Turns a chosen or captured image into the photo the app stores and sends: a
 * JPEG no larger than maxLongSide, upright, its SHA-256, a thumbnail, and where
 * it was taken. Rejects with a PhotoError whose message can be shown as it is.
 */
export async function processPhoto(
  file: Blob & { name?: string },
  options: ProcessPhotoOptions,
): Promise<StoredPhoto> {
  const maxLongSide = options.maxLongSide ?? DEFAULT_MAX_LONG_SIDE;
  if (!Number.isInteger(maxLongSide) || maxLongSide < 1) {
    throw new RangeError(`maxLongSide must be a positive whole number of pixels, not ${maxLongSide}.`);
  }
  const name = file.name || undefined;
  const photo = await new Promise<PreparedPhoto>((resolve, reject) => {
    const id = nextId++;
    const request: PhotoWorkerRequest = {
      id,
      type: 'process',
      payload: { file, name, maxLongSide, thumbnailLongSide: THUMBNAIL_LONG_SIDE },
    };
    pending.set(id, { name, resolve, reject });
    photoWorker().postMessage(request);
  });
  return {
    schema: 1,
    sha256: photo.sha256,
    type: 'image/jpeg',
    data: photo.data,
    width: photo.width,
    height: photo.height,
    geotag: photo.geotag ?? options.deviceGeotag(),
    thumbnail: photo.thumbnail,
  };
}

/** The one photo worker, started on first use. */
function photoWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./photo-worker.ts', import.meta.url), { type: 'module' });
  started.addEventListener('message', (event: MessageEvent<PhotoWorkerReply>) => settle(event.data));
  // A worker that failed to load or broke is replaced on the next call, not reused.
  started.addEventListener('error', (event) => {
    event.preventDefault();
    abandon(started, event instanceof ErrorEvent ? event.message : 'The photo worker failed to start.');
  });
  started.addEventListener('messageerror', () => abandon(started, 'A photo worker reply could not be read.'));
  worker = started;
  return started;
}

function settle(reply: PhotoWorkerReply): void {
  const request = pending.get(reply.id);
  if (!request) return;
  pending.delete(reply.id);
  switch (reply.type) {
    case 'processed':
      request.resolve(reply.payload);
      break;
    case 'failed':
      request.reject(new PhotoError(reply.payload.reason, request.name, { cause: reply.payload.detail }));
      break;
  }
}

function abandon(lost: Worker, detail: string): void {
  if (worker === lost) worker = null;
  lost.terminate();
  for (const request of pending.values()) {
    request.reject(new PhotoError('failed', request.name, { cause: detail }));
  }
  pending.clear();
}
