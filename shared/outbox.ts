/**
 * What the device keeps about each submission, read and written by the page
 * and the service worker.
 */
import type { Answers, ApiError, PhotoGeotag, PhotoType, Receipt, SubmissionPayload } from './submission.js';

/**
 * queued: saved, waiting to be sent. sending: a sender holds it now.
 * sent: the server holds it (receipt kept). rejected: the server refused it;
 * the user must fix it. waiting: sending failed many times; it will be retried.
 */
export type SubmissionStatus = 'queued' | 'sending' | 'sent' | 'rejected' | 'waiting';

/** Bumped whenever StoredSubmission changes shape; readers upgrade older records. */
export const SUBMISSION_SCHEMA = 1;

export interface StoredSubmission {
  schema: typeof SUBMISSION_SCHEMA;
  payload: SubmissionPayload;
  status: SubmissionStatus;
  /** Failed attempts since it was last queued. */
  attempts: number;
  /** The last failure in words, for the outbox and diagnostics. */
  lastError: string | null;
  /** The server's refusal, when rejected. */
  rejection: ApiError | null;
  receipt: Receipt | null;
  /** ISO time of the last status change. */
  updatedAt: string;
  /** Epoch ms before which the backoff timer leaves it alone. */
  nextAttemptAt: number;
}

/** A photo on the device: bytes as ArrayBuffer because Safari cannot always store Blobs. */
export interface StoredPhoto {
  schema: 1;
  sha256: string;
  type: PhotoType;
  data: ArrayBuffer;
  width: number;
  height: number;
  geotag: PhotoGeotag | null;
  /** A small JPEG for lists and thumbnails. */
  thumbnail: ArrayBuffer;
  /** Epoch ms when stored; young unreferenced photos may belong to a draft being edited. */
  addedAt?: number;
}

/** An unfinished form, kept so that a reload or a crash loses nothing typed. */
export interface Draft {
  schema: 1;
  /** The id the submission will have once saved. */
  id: string;
  formId: string;
  formVersion: number;
  /** Photo answers are hashes; the photos themselves are in the photo store. */
  answers: Answers;
  updatedAt: string;
  /** Set when the draft re-opens a rejected submission for correction. */
  correcting: boolean;
  /** The id of a sent submission a reviewer returned, which this draft corrects as a new submission. */
  correctionOf?: string;
}
