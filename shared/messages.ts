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

/** A reference data refresh finished (in a page or the worker); pages re-read the stored copy. */
export interface ReferenceUpdate {
  at: string;
  outcome: 'updated' | 'unchanged' | 'failed';
  message: string;
  by: 'page' | 'worker';
  /** When the stored copy was last confirmed by the server; null when the device has none. */
  checkedAt: string | null;
}

/** News broadcast to every page (and worker). */
export type AppMessage =
  | { type: 'submission-changed'; payload: SubmissionChange }
  | { type: 'send-progress'; payload: SendProgressPayload & { sender: 'page' | 'worker' } }
  | { type: 'reference-updated'; payload: ReferenceUpdate };

/** Requests a page sends to the service worker. */
export type WorkerRequest =
  /** The user agreed to the update: the waiting worker takes over. */
  | { type: 'skip-waiting'; payload: null }
  /** Asks the worker for its version; the answer comes on the transferred port. */
  | { type: 'get-version'; payload: null };

export interface WorkerVersion {
  version: string;
}
