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
import type { ApiError, PhotoRef, Receipt } from '../../shared/submission.js';
import type { StoredSubmission } from '../../shared/outbox.js';
import { apiInit } from './api-request.js';
import { BACKOFF_CAP_MS, backoffDelay, WAITING_AFTER_ATTEMPTS } from './backoff.js';
import { markNotEnrolled } from './enrollment.js';
import { BUNDLE_MAX_BYTES, localPhoto, sendBundle, uploadPhoto } from './photo-upload.js';
import {
  Forbidden,
  NotEnrolled,
  readApiError,
  readReceipt,
  Refused,
  REFUSALS,
  tooLarge,
  Transient,
  troubleBeyondTheSubmission,
  unreadable,
} from './server-answers.js';
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

export function lockName(id: string): string {
  return `fieldsync-send:${id}`;
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
  const done = (): void => {
    progress.photosDone = progress.photosTotal;
    progress.bytesDone = progress.bytesTotal;
    o.onProgress?.({ ...progress });
  };
  const sendPhotos = async (refs: readonly PhotoRef[]): Promise<void> => {
    for (const ref of refs) {
      await uploadPhoto(ref, await localPhoto(ref, s), (ms) => limit(ms), timeout, fetcher, base);
      progress.photosDone++;
      progress.bytesDone += ref.bytes;
      o.onProgress?.({ ...progress });
    }
  };
  // A first try sends the photos with the record: in one request (a bundle)
  // when they are small, else photo by photo, then the record. A later try
  // (or one cut short) may find photos already there, as does a correction,
  // whose photos are mostly the original's: those send the record first,
  // then only the photos the server says it lacks (409 missing_photos).
  const fresh = sub.attempts === 0 && sub.status !== 'sending' && !payload.correctionOf;
  if (fresh && photos.length > 0 && progress.bytesTotal <= BUNDLE_MAX_BYTES) {
    const receipt = await sendBundle(payload, body, s, limit, timeout, fetcher, base);
    if (receipt) {
      done();
      return receipt;
    }
  }
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
      const receipt = await readReceipt(res, payload.id);
      done();
      return receipt;
    }
    await troubleBeyondTheSubmission(res, sentAt);
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
