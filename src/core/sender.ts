/**
 * The one sending module, used by the page and by the service worker.
 *
 * For a submission it PUTs its photos, then the record. On a later try it
 * PUTs the record first: the server answers 409 missing_photos with the
 * photos it still lacks, which are PUT one by one, then the record again.
 * PUTs are idempotent on the server, so a retry after any failure (lost
 * answer, killed tab, crashed server) can never create a duplicate.
 * A Web Lock per submission keeps two senders (tabs, worker) from sending the
 * same one at once. It uses no DOM API, so it runs unchanged in a worker.
 *
 * Who decides what an answer means is this module: a refusal (the user must
 * act on the submission), a retry (the network or the server), or neither:
 * a 401 says this *device* is not enrolled (any more), a 403 forbidden that
 * it may not use this form. Neither is the submission's fault: it stays
 * queued as it was, its tries uncounted, until the device is put right.
 */
import type { SendProgressPayload } from '../../shared/messages.js';
import {
  API_ERROR_CODES,
  type ApiError,
  type ApiErrorCode,
  type PhotoRef,
  type Receipt,
} from '../../shared/submission.js';
import type { StoredPhoto, StoredSubmission } from '../../shared/outbox.js';
import { sha256Hex } from './sha256-hex.js';
import { apiInit } from './api-request.js';
import { BACKOFF_CAP_MS, backoffDelay, WAITING_AFTER_ATTEMPTS } from './backoff.js';
import { markNotEnrolled } from './enrollment.js';
import { getPhoto } from './photos.js';
import { defaultStores, type Stores } from './stores.js';
import { updateSubmission } from './submissions.js';

export type SendOutcome =
  | { kind: 'sent'; receipt: Receipt }
  | { kind: 'rejected'; error: ApiError }
  /** unreachable: no answer came (no network, server down, time out), so no event tells when to try again. */
  | { kind: 'retry'; reason: string; unreachable: boolean }
  /** 401: the server does not know this device (no credential, or a revoked one). Nothing was counted. */
  | { kind: 'not-enrolled'; message: string }
  /** 403 forbidden: this device may not use the submission's form. Kept as it is, with the reason. */
  | { kind: 'forbidden'; error: ApiError }
  | { kind: 'skipped'; reason: 'busy' | 'done' | 'missing' };

export type SendProgress = SendProgressPayload;

export interface SenderOptions {
  /** Origin of the server; '' for the page's own. */
  baseUrl?: string;
  stores?: Stores;
  fetch?: typeof fetch;
  /** Time allowed for a request before it counts as failed; photos get more by size. */
  requestTimeoutMs?: number;
  onProgress?: (p: SendProgress) => void;
  now?: () => number;
  /**
   * Epoch ms by which to stop: no request starts after it and none runs past
   * it (a sync event may last 3 minutes). Photos already sent stay sent.
   */
  deadline?: number;
  /**
   * Wait for another sender holding this submission to finish, then look
   * again, rather than skip it as busy. Aborting the signal gives up waiting.
   */
  waitIfBusy?: AbortSignal;
}

/** Statuses a sender may pick up. "sending" is included: its sender may have died (its lock is then free). */
export const SENDABLE: ReadonlySet<StoredSubmission['status']> = new Set(['queued', 'waiting', 'sending']);

const TRANSIENT_4XX = new Set([408, 425, 429]);
/**
 * Codes by which the server says that this submission, as it is, will never
 * be accepted: a person has to act. Every other answer (a photo damaged on
 * the way, an interrupted upload, a route a proxy got wrong) is tried again.
 */
const REFUSALS: ReadonlySet<ApiErrorCode> = new Set([
  'bad_request',
  'validation_failed',
  'unknown_form',
  'conflict',
  'unsupported_media_type',
  'payload_too_large',
]);
const KNOWN_CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);
/** A photo damaged on the way is sent again at once, this many times, before the attempt counts as failed. */
const PHOTO_RESENDS = 2;
/** Slowest upload speed we still wait for, in bytes per millisecond (16 kB/s). */
const SLOW_LINK_BYTES_PER_MS = 16;

class Transient extends Error {}
class Refused extends Error {
  constructor(public readonly apiError: ApiError) {
    super(apiError.message);
  }
}
/** A 401 to a request sent at sentAt (epoch ms). */
class NotEnrolled extends Error {
  constructor(public readonly sentAt: number) {
    super('The server does not know this device.');
  }
}
class Forbidden extends Error {
  constructor(public readonly apiError: ApiError) {
    super(apiError.message);
  }
}

export function lockName(id: string): string {
  return `fieldsync-send:${id}`;
}

function isApiError(v: unknown): v is ApiError {
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
async function readApiError(res: Response): Promise<ApiError | null> {
  try {
    const body: unknown = JSON.parse(await res.text());
    return isApiError(body) ? body : null;
  } catch {
    return null;
  }
}

function unreadable(status: number): Transient {
  return new Transient(`The server's answer (HTTP ${status}) arrived incomplete; sending again.`);
}

/**
 * What a 401 or 403 means for the submission (throws NotEnrolled, Forbidden
 * or Transient); nothing for other statuses. A 403 csrf means the app sent
 * a change without its header: a bug here, not the user's, so it is logged
 * and tried again like any trouble on the way.
 */
async function credentialTrouble(res: Response, sentAt: number): Promise<void> {
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
async function tooLarge(res: Response, what: 'photo' | 'submission'): Promise<ApiError> {
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

function isReceipt(v: unknown, id: string): v is Receipt {
  const r = v as Partial<Receipt> | null;
  return !!r && r.id === id && typeof r.receivedAt === 'string' && typeof r.seq === 'number';
}

/**
 * Sends one submission if it is due and no other sender holds it, and records
 * the outcome on the device. Never throws for network or server trouble.
 */
export async function sendSubmission(id: string, options: SenderOptions = {}): Promise<SendOutcome> {
  const wait = options.waitIfBusy;
  if (wait) {
    try {
      return await navigator.locks.request(lockName(id), { signal: wait }, () => sendLocked(id, options));
    } catch (e) {
      if (wait.aborted) return { kind: 'skipped', reason: 'busy' };
      throw e;
    }
  }
  return navigator.locks.request(lockName(id), { ifAvailable: true }, async (lock) => {
    if (!lock) return { kind: 'skipped', reason: 'busy' } as const;
    return sendLocked(id, options);
  });
}

async function sendLocked(id: string, o: SenderOptions): Promise<SendOutcome> {
  const s = o.stores ?? defaultStores;
  const now = o.now ?? Date.now;
  // Read and marked as being sent in one write.
  let current: StoredSubmission | undefined;
  const marked = await updateSubmission(
    id,
    (r) => {
      current = r;
      return SENDABLE.has(r.status) ? { ...r, status: 'sending' } : null;
    },
    s,
  );
  if (!marked || !current) return { kind: 'skipped', reason: 'missing' };
  if (!SENDABLE.has(current.status)) return { kind: 'skipped', reason: 'done' };
  // Where it goes back when the device, not the submission, is what the server refused.
  const before = current.status === 'sending' ? 'queued' : current.status;

  try {
    const receipt = await deliver(current, o, s);
    await updateSubmission(
      id,
      (r) => ({
        ...r,
        status: 'sent',
        receipt,
        lastError: null,
        rejection: null,
        updatedAt: new Date(now()).toISOString(),
      }),
      s,
    );
    return { kind: 'sent', receipt };
  } catch (e) {
    if (e instanceof Refused) {
      await updateSubmission(
        id,
        (r) => ({
          ...r,
          status: 'rejected',
          rejection: e.apiError,
          lastError: e.apiError.message,
          updatedAt: new Date(now()).toISOString(),
        }),
        s,
      );
      return { kind: 'rejected', error: e.apiError };
    }
    if (e instanceof NotEnrolled) {
      // Not a failed try: the same submission will go through once the device is enrolled again.
      await updateSubmission(id, (r) => (r.status === 'sending' ? { ...r, status: before } : null), s);
      await markNotEnrolled(e.sentAt, s);
      return {
        kind: 'not-enrolled',
        message:
          'The server does not know this device (not enrolled, or no longer): it stays here until it is.',
      };
    }
    if (e instanceof Forbidden) {
      // Nothing to fix in the answers: the device needs enrolling for this form. Tried again now and then.
      await updateSubmission(
        id,
        (r) => ({
          ...r,
          status: r.status === 'sending' ? before : r.status,
          lastError: e.apiError.message,
          nextAttemptAt: now() + BACKOFF_CAP_MS,
          updatedAt: new Date(now()).toISOString(),
        }),
        s,
      );
      return { kind: 'forbidden', error: e.apiError };
    }
    const reason = describeFailure(e);
    const unreachable = isNoAnswer(e);
    await updateSubmission(
      id,
      (r) => {
        const attempts = r.attempts + 1;
        return {
          ...r,
          status: attempts >= WAITING_AFTER_ATTEMPTS ? 'waiting' : 'queued',
          attempts,
          lastError: reason,
          nextAttemptAt: now() + backoffDelay(attempts),
          updatedAt: new Date(now()).toISOString(),
        };
      },
      s,
    );
    return { kind: 'retry', reason, unreachable };
  }
}

/** A failure in which the server said nothing: the network, or a request that timed out. */
function isNoAnswer(e: unknown): boolean {
  return (
    e instanceof TypeError ||
    (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError'))
  );
}

function describeFailure(e: unknown): string {
  if (e instanceof Transient) return e.message;
  if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return 'The server took too long to answer.';
  }
  if (e instanceof TypeError) {
    return navigator.onLine
      ? 'The server did not answer: it may be down, or out of reach from this network.'
      : 'This device has no network connection.';
  }
  return e instanceof Error ? e.message : String(e);
}

/** The exchange with the server; resolves to the receipt, throws Transient or Refused. */
async function deliver(sub: StoredSubmission, o: SenderOptions, s: Stores): Promise<Receipt> {
  const fetcher = o.fetch ?? fetch;
  const base = o.baseUrl ?? '';
  const timeout = o.requestTimeoutMs ?? 30_000;
  const now = o.now ?? Date.now;
  /** A request's time limit: its own, cut short by the deadline. */
  const limit = (ms: number): AbortSignal => {
    const left = o.deadline === undefined ? ms : Math.min(ms, o.deadline - now());
    if (left <= 0) throw new Transient('Out of time for now; sending continues at the next attempt.');
    return AbortSignal.timeout(left);
  };
  const { payload } = sub;
  const body = JSON.stringify(payload);
  const photos = payload.photos;
  const progress: SendProgress = {
    id: payload.id,
    photosDone: 0,
    photosTotal: photos.length,
    bytesDone: 0,
    bytesTotal: photos.reduce((n, p) => n + p.bytes, 0),
  };
  o.onProgress?.({ ...progress });
  const sendPhotos = async (refs: readonly PhotoRef[]): Promise<void> => {
    for (const ref of refs) {
      const photo = await getPhoto(ref.sha256, s);
      if (!photo) {
        throw new Refused({
          error: 'missing_photos',
          field: ref.field,
          message:
            'A photo of this submission is no longer on this device. Open it, add the photo again and save.',
          missing: [ref.sha256],
        });
      }
      await uploadPhoto(ref, photo, (ms) => limit(ms), timeout, fetcher, base);
      progress.photosDone++;
      progress.bytesDone += ref.bytes;
      o.onProgress?.({ ...progress });
    }
  };
  // A first try sends the photos, then the record: two requests for the common
  // case. A later try (or one cut short) may find photos already there, as
  // does a correction, whose photos are mostly the original's: those send the
  // record first, then only the photos the server says it lacks (409).
  const fresh = sub.attempts === 0 && sub.status !== 'sending' && !payload.correctionOf;
  if (fresh) await sendPhotos(photos);
  // A round is one PUT of the record, plus the photos it asks for. Two suffice
  // unless the server loses photos in between; a third is a safety margin.
  for (let round = 0; round < 3; round++) {
    const sentAt = Date.now();
    const res = await fetcher(
      `${base}/api/submissions/${payload.id}`,
      apiInit({
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: limit(timeout),
      }),
    );
    if (res.status === 200 || res.status === 201) {
      let receipt: unknown;
      try {
        receipt = await res.json();
      } catch {
        throw unreadable(res.status);
      }
      if (!isReceipt(receipt, payload.id)) throw unreadable(res.status);
      progress.photosDone = progress.photosTotal;
      progress.bytesDone = progress.bytesTotal;
      o.onProgress?.({ ...progress });
      return receipt;
    }
    if (res.status >= 500 || TRANSIENT_4XX.has(res.status)) {
      throw new Transient(`The server is not available (HTTP ${res.status}).`);
    }
    await credentialTrouble(res, sentAt);
    if (res.status === 413) throw new Refused(await tooLarge(res, 'submission'));
    const error = await readApiError(res);
    if (!error) throw unreadable(res.status);
    if (res.status !== 409 || error.error !== 'missing_photos') {
      if (REFUSALS.has(error.error)) throw new Refused(error);
      throw new Transient(`${error.message} (HTTP ${res.status})`);
    }

    const missing = new Set(error.missing ?? []);
    const already = photos.filter((p) => !missing.has(p.sha256));
    progress.photosDone = already.length;
    progress.bytesDone = already.reduce((n, p) => n + p.bytes, 0);
    o.onProgress?.({ ...progress });
    await sendPhotos(photos.filter((p) => missing.has(p.sha256)));
  }
  throw new Transient('The server kept asking for photos it was sent.');
}

/**
 * PUTs one photo. The server checks the bytes against their hash: a mismatch
 * means they were damaged on the way (sent again at once), unless the copy on
 * this device no longer hashes to its name, which no resend can mend.
 */
async function uploadPhoto(
  ref: PhotoRef,
  photo: StoredPhoto,
  limit: (ms: number) => AbortSignal,
  timeout: number,
  fetcher: typeof fetch,
  base: string,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const sentAt = Date.now();
    const put = await fetcher(
      `${base}/api/photos/${ref.sha256}`,
      apiInit({
        method: 'PUT',
        headers: { 'Content-Type': photo.type },
        body: photo.data,
        signal: limit(timeout + photo.data.byteLength / SLOW_LINK_BYTES_PER_MS),
      }),
    );
    if (put.ok) {
      // Read to the end so a kept-alive connection is free for the next request.
      await put.arrayBuffer().catch(() => undefined);
      return;
    }
    if (put.status >= 500 || TRANSIENT_4XX.has(put.status)) {
      throw new Transient(`The server is not available (HTTP ${put.status}).`);
    }
    await credentialTrouble(put, sentAt);
    if (put.status === 413) throw new Refused({ ...(await tooLarge(put, 'photo')), field: ref.field });
    const err = await readApiError(put);
    if (!err) throw unreadable(put.status);
    if (err.error === 'hash_mismatch') {
      if ((await sha256Hex(photo.data)) !== ref.sha256) {
        throw new Refused({
          error: 'hash_mismatch',
          field: ref.field,
          message:
            'A photo of this submission is damaged on this device. Open the submission, add the photo again and save.',
        });
      }
      if (attempt < PHOTO_RESENDS) continue;
      throw new Transient('A photo was damaged on the way to the server; it will be sent again.');
    }
    if (REFUSALS.has(err.error)) throw new Refused({ ...err, field: err.field ?? ref.field });
    throw new Transient(`${err.message} (HTTP ${put.status})`);
  }
}
