/**
 * Draining the outbox: every due submission, oldest first, one at a time,
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
 * Sends every due submission, oldest first, one at a time. Stops at the first
 * transient failure: when the server cannot be reached, trying the rest now
 * only drains the battery. Stops too when the server does not know this
 * device; goes on past a submission of a form the device may not use.
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
  for (const [i, rec] of due.entries()) {
    if (o.deadline !== undefined && now() >= o.deadline) break;
    o.onSubmission?.(i + 1, due.length, rec.payload.id);
    const outcome = await sendSubmission(rec.payload.id, o);
    if (outcome.kind === 'sent') result.sent++;
    else if (outcome.kind === 'rejected') result.rejected++;
    else if (outcome.kind === 'forbidden') result.forbidden++;
    else if (outcome.kind === 'not-enrolled') {
      // Every other submission would get the same answer.
      result.notEnrolled = true;
      return result;
    } else if (outcome.kind === 'retry') {
      result.failed++;
      result.unreachable = outcome.unreachable;
      // The rest wait for the same backoff as the one that just failed.
      result.nextAttemptAt = (await getSubmission(rec.payload.id, s))?.nextAttemptAt ?? null;
      return result;
    }
  }
  const pending = (await listSubmissions(s)).filter((r) => SENDABLE.has(r.status));
  if (pending.length) result.nextAttemptAt = Math.min(...pending.map((r) => r.nextAttemptAt));
  return result;
}
