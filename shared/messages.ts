/**
 * Messages between the service worker and the pages, as `{type, payload}`.
 * Outbox news travels on one BroadcastChannel that every page and the worker
 * share; requests to the worker travel by postMessage.
 */
import type { MyDevice } from './accounts.js';
import type { SubmissionStatus } from './outbox.js';

export const APP_CHANNEL = 'fieldsync';

export interface SubmissionChange {
  /** The submission, or null when many changed at once. */
  id: string | null;
  status: SubmissionStatus | 'deleted' | null;
  /** The changes written together, when id is null because several changed in one write. */
  batch?: SubmissionChange[];
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

/** Whether this browser is enrolled as a device, as the server last said (src/core/enrollment.ts). */
export interface EnrollmentState {
  /** The device this browser was last enrolled as; null when it never heard. */
  device: MyDevice | null;
  /** ISO time the server last confirmed the enrollment (enrolling, or GET /api/me); null when never. */
  confirmedAt: string | null;
  /**
   * ISO time the server first refused the credential (401: none, unknown or
   * revoked) after it was last confirmed; null while enrolled or not known.
   */
  notEnrolledSince: string | null;
}

/** News broadcast to every page (and worker). */
export type AppMessage =
  | { type: 'submission-changed'; payload: SubmissionChange }
  | { type: 'send-progress'; payload: SendProgressPayload & { sender: 'page' | 'worker' } }
  | { type: 'reference-updated'; payload: ReferenceUpdate }
  | { type: 'enrollment-changed'; payload: EnrollmentState }
  /** Reviewers' feedback arrived (src/core/feedback.ts): pages re-read it. */
  | { type: 'feedback-updated'; payload: { applied: number } };

/** Requests a page sends to the service worker. */
export type WorkerRequest =
  /** The user agreed to the update: the waiting worker takes over. */
  | { type: 'skip-waiting'; payload: null }
  /** Asks the worker for its version; the answer comes on the transferred port. */
  | { type: 'get-version'; payload: null };

export interface WorkerVersion {
  version: string;
}
