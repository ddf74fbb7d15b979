/**
 * What the server's answers mean to a sender: the kinds of failure (tried
 * again, refused for good, a device not enrolled, a form it may not use),
 * and reading an answer that may have arrived damaged or from a proxy.
 * No DOM API: the worker sends too.
 */
import type { ApiError, ApiErrorCode, Receipt } from '../../shared/submission.js';
import { API_ERROR_CODES } from '../../shared/submission.js';

export const TRANSIENT_4XX = new Set([408, 425, 429]);
/**
 * Codes by which the server says that this submission, as it is, will never
 * be accepted: a person has to act. Every other answer (a photo damaged on
 * the way, an interrupted upload, a route a proxy got wrong) is tried again.
 */
export const REFUSALS: ReadonlySet<ApiErrorCode> = new Set([
  'bad_request',
  'validation_failed',
  'unknown_form',
  'conflict',
  'unsupported_media_type',
  'payload_too_large',
]);
export const KNOWN_CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);

export class Transient extends Error {}
export class Refused extends Error {
  constructor(public readonly apiError: ApiError) {
    super(apiError.message);
  }
}
/** A 401 to a request sent at sentAt (epoch ms). */
export class NotEnrolled extends Error {
  constructor(public readonly sentAt: number) {
    super('The server does not know this device.');
  }
}
export class Forbidden extends Error {
  constructor(public readonly apiError: ApiError) {
    super(apiError.message);
  }
}

export function isApiError(v: unknown): v is ApiError {
  const e = v as Partial<ApiError> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.error === 'string' &&
    KNOWN_CODES.has(e.error) &&
    typeof e.message === 'string' &&
    e.message !== ''
  );
}

/**
 * The server's ApiError when its answer arrived whole and well formed, else
 * null: a body cut off on the way, or a proxy's error page, says nothing
 * about the submission, so it must never reject one.
 */
export async function readApiError(res: Response): Promise<ApiError | null> {
  try {
    const body: unknown = JSON.parse(await res.text());
    return isApiError(body) ? body : null;
  } catch {
    return null;
  }
}

export function unreadable(status: number): Transient {
  return new Transient(`The server's answer (HTTP ${status}) arrived incomplete; sending again.`);
}

/**
 * What any answer that is not a success says before its body is read:
 * Transient for the server's own trouble (5xx, 408, 425, 429), then what a
 * 401 or 403 means (credentialTrouble). Nothing for other statuses.
 */
export async function troubleBeyondTheSubmission(res: Response, sentAt: number): Promise<void> {
  if (res.status >= 500 || TRANSIENT_4XX.has(res.status)) {
    throw new Transient(`The server is not available (HTTP ${res.status}).`);
  }
  await credentialTrouble(res, sentAt);
}

/**
 * What a 401 or 403 means for the submission (throws NotEnrolled, Forbidden
 * or Transient); nothing for other statuses. A 403 csrf means the app sent
 * a change without its header: a bug here, not the user's, so it is logged
 * and tried again like any trouble on the way.
 */
export async function credentialTrouble(res: Response, sentAt: number): Promise<void> {
  if (res.status === 401) {
    await res.arrayBuffer().catch(() => undefined);
    throw new NotEnrolled(sentAt);
  }
  if (res.status !== 403) return;
  const err = await readApiError(res);
  if (err?.error === 'forbidden') throw new Forbidden(err);
  if (err?.error === 'csrf')
    console.error('The server refused a request of this app as cross-site:', err.message);
  throw new Transient(`The server refused the request (HTTP 403${err ? `: ${err.message}` : ''}).`);
}

/**
 * A 413 is final whoever sent it (the server, or a proxy in front of it with
 * its own limit): the same bytes will never fit. Says what to do about it.
 */
export async function tooLarge(res: Response, what: 'photo' | 'submission'): Promise<ApiError> {
  const err = await readApiError(res);
  if (err?.error === 'payload_too_large') return err;
  return {
    error: 'payload_too_large',
    message:
      what === 'photo'
        ? "The server refused a photo as too large. Open the submission, replace the photo with a smaller one (or remove it) and save; or ask your administrator to raise the server's photo size limit."
        : "The server refused this submission as too large. Ask your administrator to raise the server's limit; the submission stays on this device until then.",
  };
}

export function isReceipt(v: unknown, id: string): v is Receipt {
  const r = v as Partial<Receipt> | null;
  return !!r && r.id === id && typeof r.receivedAt === 'string' && typeof r.seq === 'number';
}

/** The receipt in a 200 or 201 answer; Transient when it arrived damaged. */
export async function readReceipt(res: Response, id: string): Promise<Receipt> {
  let receipt: unknown;
  try {
    receipt = await res.json();
  } catch {
    throw unreadable(res.status);
  }
  if (!isReceipt(receipt, id)) throw unreadable(res.status);
  return receipt;
}
