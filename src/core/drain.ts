/**
 * Draining the outbox: every due submission, oldest first, a few at a time,
 * through the sending module. Used by the page; no DOM, so a worker could too.
 */
import { defaultStores } from './stores.js';
import { SENDABLE, sendSubmission, type SenderOptions } from './sender.js';
import { getSubmission, listSubmissions } from './submissions.js';

export interface DrainOptions extends SenderOptions {
  /** Send even what is waiting for its backoff timer (the user pressed "Send now"). */
  force?: boolean;
  /** Before each submission: its position in this run. */
  onSubmission?: (index: number, total: number, id: string) => void;
}

export interface DrainResult {
  sent: number;
  rejected: number;
  failed: number;
  /** Kept because this device may not use their forms (403 forbidden). */
  forbidden: number;
  /** Epoch ms of the earliest backoff still pending, or null when nothing is left to send. */
  nextAttemptAt: number | null;
  /** The run stopped because the server did not answer at all. */
  unreachable: boolean;
  /**
   * The run stopped because the server does not know this device (401).
   * nextAttemptAt is then null: no timer tries again, enrolling does.
   */
  notEnrolled: boolean;
}

/**
 * How many submissions are sent at once. Each request waits mostly on the
 * network; a few in flight keep the link busy without piling up requests a
 * failing server must refuse. Measured with `npm run bench -- drain-workbox`.
 */
export const DRAIN_CONCURRENCY = 6;

/**
 * Sends every due submission, oldest first: the first alone, then, once the
 * server has answered, up to DRAIN_CONCURRENCY at once, each under its own
 * lock, started in order. No new one starts after the first transient
 * failure: when the server cannot be reached, trying the rest now only drains
 * the battery (those already under way finish). Stops too when the server
 * does not know this device; goes on past a submission of a form the device
 * may not use.
 */
export async function drainOutbox(o: DrainOptions = {}): Promise<DrainResult> {
  const s = o.stores ?? defaultStores;
  const now = o.now ?? Date.now;
  const result: DrainResult = {
    sent: 0,
    rejected: 0,
    failed: 0,
    forbidden: 0,
    nextAttemptAt: null,
    unreachable: false,
    notEnrolled: false,
  };
  const due = (await listSubmissions(s))
    .filter((r) => SENDABLE.has(r.status) && (o.force || r.nextAttemptAt <= now()))
    .reverse();
  let next = 0;
  let stopped = false;
  let failedFirst: string | null = null;
  /** Takes the oldest not yet started, one at a time, until none is left or the run stops. */
  const lane = async (answered?: () => void): Promise<void> => {
    while (!stopped && next < due.length) {
      if (o.deadline !== undefined && now() >= o.deadline) return;
      const index = next++;
      const rec = due[index];
      if (!rec) return;
      const id = rec.payload.id;
      o.onSubmission?.(index + 1, due.length, id);
      const outcome = await sendSubmission(id, o);
      if (outcome.kind === 'sent') result.sent++;
      else if (outcome.kind === 'rejected') result.rejected++;
      else if (outcome.kind === 'forbidden') result.forbidden++;
      else if (outcome.kind === 'not-enrolled') {
        // Every other submission would get the same answer.
        result.notEnrolled = true;
        stopped = true;
      } else if (outcome.kind === 'retry') {
        result.failed++;
        if (failedFirst === null) {
          failedFirst = id;
          result.unreachable = outcome.unreachable;
        }
        stopped = true;
      }
      answered?.();
    }
  };
  // The first submission goes alone: if the server cannot be reached, one
  // try fails rather than a handful. Its answer opens the other lanes.
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const first = lane(open).finally(open);
  const others = Array.from({ length: Math.min(DRAIN_CONCURRENCY, due.length) - 1 }, () =>
    opened.then(() => lane()),
  );
  await Promise.all([first, ...others]);
  if (result.notEnrolled) return result;
  if (failedFirst !== null) {
    // The rest wait for the same backoff as the first that failed.
    result.nextAttemptAt = (await getSubmission(failedFirst, s))?.nextAttemptAt ?? null;
    return result;
  }
  const pending = (await listSubmissions(s)).filter((r) => SENDABLE.has(r.status));
  if (pending.length) result.nextAttemptAt = Math.min(...pending.map((r) => r.nextAttemptAt));
  return result;
}
