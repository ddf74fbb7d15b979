/**
 * What travels between the device and the server, and what the device keeps.
 * Shared by the page, the service worker and the server.
 */

/** A position from the Geolocation API (or typed in), with its quality. */
export interface GeoPoint {
  lat: number;
  lon: number;
  /** Metres, 95% radius as the Geolocation API reports it. */
  accuracy: number;
  /** ISO 8601 time of the fix, with its offset (isIsoDateTime in validate.ts). */
  time: string;
}

/** Where a photo was taken: from its own EXIF GPS, else the device at the time it was added. */
export interface PhotoGeotag {
  lat: number;
  lon: number;
  accuracy: number | null;
  time: string | null;
  source: 'exif' | 'device';
}

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp';
export const PHOTO_TYPES: readonly PhotoType[] = ['image/jpeg', 'image/png', 'image/webp'];

export interface PhotoRef {
  /** Lower-case hex SHA-256 of the exact bytes sent. */
  sha256: string;
  bytes: number;
  type: PhotoType;
  width: number;
  height: number;
  /** The photo field it answers. */
  field: string;
  geotag: PhotoGeotag | null;
}

/**
 * An answer. text, date, select_one: string; integer, decimal: number;
 * select_multiple: string[]; geopoint: GeoPoint; photo: sha256[] (each in photos).
 * A field left empty is absent from answers; "" and [] count as left empty
 * and are dropped by the canonical form (canonical.ts).
 */
export type AnswerValue = string | number | string[] | GeoPoint;
export type Answers = Record<string, AnswerValue>;

/** The body of PUT /api/submissions/{id}. */
export interface SubmissionPayload {
  /** Client-generated UUID: the idempotency key. */
  id: string;
  formId: string;
  formVersion: number;
  answers: Answers;
  /** The submission's location: its first geopoint answer, or null. */
  location: GeoPoint | null;
  photos: PhotoRef[];
  /** ISO 8601, when the user saved it. */
  createdAt: string;
  deviceId: string;
  /**
   * The ETag of the reference data (forms and choice lists) the device had
   * when the submission was saved; null when it had none. Optional on the
   * wire: apps from before it existed leave it out, and the server then
   * stores and returns null.
   */
  referenceVersion: string | null;
  /**
   * The id of a submission a reviewer returned, which this one corrects: a new
   * submission linked to the original, which stays as it was. Absent otherwise.
   */
  correctionOf?: string;
  /** The version of the app it was captured with; absent from apps from before it was recorded. */
  appVersion?: string;
  /**
   * Saved by a kiosk when its user walked away, on a form whose
   * whenAbandoned is "save": required questions may be unanswered. Absent
   * otherwise.
   */
  unfinished?: true;
}

/** The server's acknowledgement: once a device holds it, the submission is safe. */
export interface Receipt {
  id: string;
  receivedAt: string;
  /** Server-wide order of arrival. */
  seq: number;
}

export interface FieldProblem {
  /** The answer key (or payload property) at fault. */
  field: string;
  message: string;
}

/** Every `error` code the API answers with; a client treats any other body as unreadable. */
export const API_ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'unknown_form',
  'missing_photos',
  'conflict',
  'not_found',
  'hash_mismatch',
  'unsupported_media_type',
  'payload_too_large',
  'interrupted',
  'range_not_satisfiable',
  // No credential, or one that no longer counts (a revoked device, an ended session): 401.
  'unauthorized',
  // A credential that may not do this: another role, or another form: 403.
  'forbidden',
  // A request that changes something without X-Fieldsync-Request, or from another site: 403.
  'csrf',
  // Too many tries (signing in, enrolling): 429 with Retry-After.
  'rate_limited',
  // A one-time code or link past its time: 410.
  'expired',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Every 4xx and 5xx body from the API. */
export interface ApiError {
  error: ApiErrorCode;
  message: string;
  /** The first field at fault, when there is one. */
  field?: string;
  problems?: FieldProblem[];
  /** missing_photos: the hashes the server needs first. */
  missing?: string[];
}

/** GET /api/submissions/{id} and each item of the list. */
export interface ServerSubmission extends SubmissionPayload {
  receipt: Receipt;
  /**
   * The enrolled device that sent it, from its credential (never from the
   * payload); null for submissions received before devices enrolled.
   */
  sentBy: { deviceId: string; deviceName: string } | null;
}

export interface SubmissionPage {
  items: ServerSubmission[];
  /** Pass as ?cursor= for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface Health {
  ok: true;
  version: string;
  time: string;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const SHA256_RE = /^[0-9a-f]{64}$/;
