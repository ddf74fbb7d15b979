/**
 * The photo worker: decodes, scales and re-encodes photos off the main thread.
 * It is started by processPhoto and lives as long as the page.
 */
import { PhotoError } from './photo-error.js';
import type { PhotoWorkerReply, PhotoWorkerRequest } from './photo-messages.js';
import { preparePhoto } from './prepare-photo.js';

/** What this file uses of DedicatedWorkerGlobalScope, which the page's DOM typings lack. */
interface PhotoWorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent<PhotoWorkerRequest>) => void): void;
  postMessage(message: PhotoWorkerReply, transfer: Transferable[]): void;
}

const scope = self as unknown as PhotoWorkerScope;

// One photo at a time: a 12-megapixel bitmap takes 48 MB, and phones run out fast.
let queue: Promise<void> = Promise.resolve();

scope.addEventListener('message', (event) => {
  const request = event.data;
  queue = queue.then(() => handle(request));
});

async function handle(request: PhotoWorkerRequest): Promise<void> {
  switch (request.type) {
    case 'process': {
      const { file, name, maxLongSide, thumbnailLongSide } = request.payload;
      try {
        const photo = await preparePhoto(file, name, maxLongSide, thumbnailLongSide);
        scope.postMessage({ id: request.id, type: 'processed', payload: photo }, [
          photo.data,
          photo.thumbnail,
        ]);
      } catch (error) {
        const reason = error instanceof PhotoError ? error.reason : 'failed';
        const cause = error instanceof PhotoError ? error.cause : error;
        scope.postMessage(
          { id: request.id, type: 'failed', payload: { reason, detail: String(cause ?? error) } },
          [],
        );
      }
      break;
    }
  }
}
