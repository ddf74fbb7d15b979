/**
 * Background Sync, one tag per submission: what the tags are called, and what
 * the worker's sync handler does with each outcome of a send. Shared by the
 * page (which registers tags) and the service worker (which handles them).
 */
import type { SendOutcome } from './sender.js';
import { onOutboxChange } from './outbox-events.js';
import { SENDABLE, sendSubmission, type SenderOptions } from './sender.js';
import { defaultStores, type Stores } from './stores.js';
import { getSubmission, updateSubmission } from './submissions.js';

const PREFIX = 'submission:';

export function submissionTag(id: string): string {
  return `${PREFIX}${id}`;
}

/** The submission id of a tag, or null for a tag that is not ours. */
export function submissionIdFromTag(tag: string): string | null {
  return tag.startsWith(PREFIX) && tag.length > PREFIX.length ? tag.slice(PREFIX.length) : null;
}

/**
 * Leaves room under Chromium's 3-minute limit for one sync event, so the
 * event ends by itself (and is retried) rather than being killed.
 */
export const SYNC_EVENT_BUDGET_MS = 150_000;

/**
 * done: nothing more for the browser to do (sent, rejected, or deleted).
 * retry: fail the event so the browser tries again later.
 * waiting: the browser's last attempt failed; the app registers the tag again later.
 */
export type SyncDecision = 'done' | 'retry' | 'waiting';

/**
 * A 401 (not enrolled) and a 403 forbidden end the event as done. The
 * browser would retry a failed event only twice more, minutes apart, and
 * every retry would get the same answer until someone enrolls the device
 * again: failing would burn those retries and then mark the submission
 * "waiting", as if the network were at fault. One-off sync has no way to
 * keep a tag without an event pending, so the tag goes; the submission stays
 * queued, and the app registers its tag again once the device is enrolled
 * (SyncEngine.enrolled, and every start and page run while enrolled).
 */
export function decideSync(outcome: SendOutcome, lastChance: boolean): SyncDecision {
  // Still busy after waiting out the event's budget: the page holding it may
  // yet fail, so keep the tag alive until the outcome is known.
  const unsettled = outcome.kind === 'retry' || (outcome.kind === 'skipped' && outcome.reason === 'busy');
  if (!unsettled) return 'done';
  return lastChance ? 'waiting' : 'retry';
}

/** Thrown from a sync handler to make the browser retry the tag later. */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

/**
 * What the worker's sync handler runs for one submission. Resolves when the
 * browser can forget the tag; rejects (RetryLater) when it should retry.
 */
export interface SyncOptions extends SenderOptions {
  stores?: Stores;
  /**
   * Whether a page of the app is in view: it retries on its own timer, and
   * checks a silent server every few seconds, so after a failure the event
   * waits for that page to deliver rather than failing into minutes of the
   * browser's backoff (which would leave the tag registered long after the
   * page has sent the submission).
   */
  pageInView?: () => Promise<boolean>;
  /** Ends that wait early: a new version of the worker cannot take over while this event lasts. */
  stopWaiting?: AbortSignal;
}

/** How often a waiting event checks that a page is still in view to deliver. */
const IN_VIEW_CHECK_MS = 3_000;

/**
 * Resolves true once the submission is settled (sent, refused, deleted);
 * false at the deadline, when stopped, or once no page is in view any more.
 */
function settled(
  id: string,
  deadline: number,
  s: Stores,
  pageInView: () => Promise<boolean>,
  stop?: AbortSignal,
): Promise<boolean> {
  if (stop?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (result: boolean) => {
      clearTimeout(timer);
      clearInterval(watch);
      unsubscribe();
      stop?.removeEventListener('abort', onStop);
      resolve(result);
    };
    const onStop = () => done(false);
    stop?.addEventListener('abort', onStop);
    const watch = setInterval(() => {
      void pageInView().then((inView) => {
        if (!inView) done(false);
      });
    }, IN_VIEW_CHECK_MS);
    const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
    const unsubscribe = onOutboxChange((c) => {
      if (c.id !== id && c.id !== null) return;
      void getSubmission(id, s).then((r) => {
        if (!r || !SENDABLE.has(r.status)) done(true);
      });
    });
  });
}

export async function syncSubmission(
  id: string,
  lastChance: boolean,
  options: SyncOptions = {},
): Promise<SyncDecision> {
  const s = options.stores ?? defaultStores;
  const deadline = options.deadline ?? Date.now() + SYNC_EVENT_BUDGET_MS;
  const outcome = await sendSubmission(id, {
    deadline,
    // A page sending it now usually succeeds: waiting for its outcome, rather
    // than failing the event, spares the tag minutes of the browser's backoff.
    waitIfBusy: AbortSignal.timeout(SYNC_EVENT_BUDGET_MS),
    ...options,
    stores: s,
  });
  let decision = decideSync(outcome, lastChance);
  const pageInView = options.pageInView;
  if (decision === 'retry' && pageInView && (await pageInView())) {
    const current = await getSubmission(id, s);
    const already = !current || !SENDABLE.has(current.status);
    if (already || (await settled(id, deadline, s, pageInView, options.stopWaiting))) decision = 'done';
  }
  if (decision === 'waiting') {
    // The browser drops the tag after this; "waiting" tells the app to register it again.
    await updateSubmission(
      id,
      (r) => (r.status === 'queued' || r.status === 'waiting' ? { ...r, status: 'waiting' } : null),
      s,
    );
  }
  if (decision === 'retry')
    throw new RetryLater(outcome.kind === 'retry' ? outcome.reason : 'Another sender has it.');
  return decision;
}
