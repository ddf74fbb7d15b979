/**
 * Messages between the service worker and the pages, as `{type, payload}`.
 * Outbox news travels on one BroadcastChannel that every page and the worker
 * share; requests to the worker travel by postMessage.
 */
import type { SubmissionStatus } from './outbox.js';

export const APP_CHANNEL = 'fieldsync';

export interface SubmissionChange {
  /** The submission, or null when many changed at once. */
  id: string | null;
  status: SubmissionStatus | 'deleted' | null;
}

export interface SendProgressPayload {
  id: string;
  photosDone: number;
  photosTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

/** News broadcast to every page (and worker). */
export type AppMessage =
  | { type: 'submission-changed'; payload: SubmissionChange }
  | { type: 'send-progress'; payload: SendProgressPayload & { sender: 'page' | 'worker' } };

/** Requests a page sends to the service worker. */
export type WorkerRequest =
  /** The user agreed to the update: the waiting worker takes over. */
  | { type: 'skip-waiting'; payload: null }
  /** Asks the worker for its version; the answer comes on the transferred port. */
  | { type: 'get-version'; payload: null };

export interface WorkerVersion {
  version: string;
}
