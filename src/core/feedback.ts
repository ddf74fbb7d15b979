/**
 * What reviewers did to this device's submissions (GET /api/feedback), kept
 * on the device: for each submission the latest state and comment, and the
 * last event id heard, so the next ask starts after it. Page and worker may
 * both ask at once: each event is applied once (by its id), the cursor only
 * moves forward. No DOM API: it runs in the worker too.
 */
import { get, getMany, update } from 'idb-keyval';
import {
  REVIEW_STATES,
  RETURNING_STATES,
  type FeedbackPage,
  type ReviewEvent,
  type ReviewState,
} from '../../shared/review.js';
import { apiFetch, BACKGROUND_REQUEST_TIMEOUT_MS } from './api-request.js';
import { notifyFeedback } from './outbox-events.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';

/** A submission's review as this device last heard it. */
export interface Feedback {
  schema: 1;
  submissionId: string;
  state: ReviewState;
  /** The comment that came with the state, or the latest comment since; null for none. */
  comment: string | null;
  /** Who did the latest of it, and when. */
  by: string;
  at: string;
  /** The last event applied. */
  eventId: number;
}

/** The settings key holding the last event id heard. */
const CURSOR_KEY = 'feedback-after';
/** Pages asked for in one go, so a long absence catches up without looping for ever. */
const MAX_PAGES = 20;

/** Whether the reviewer sent it back: the field worker has something to fix. */
export function isReturned(f: Feedback | undefined): boolean {
  return !!f && RETURNING_STATES.includes(f.state);
}

/** A stored record, or undefined for anything this version cannot read. */
function readFeedback(value: unknown): Feedback | undefined {
  const f = value as Partial<Feedback> | undefined;
  return f?.schema === 1 &&
    typeof f.submissionId === 'string' &&
    REVIEW_STATES.includes(f.state as ReviewState) &&
    typeof f.eventId === 'number'
    ? (f as Feedback)
    : undefined;
}

export function applyEvent(current: Feedback | undefined, e: ReviewEvent): Feedback {
  if (current && current.eventId >= e.id) return current;
  return {
    schema: 1,
    submissionId: e.submissionId,
    state: e.to ?? current?.state ?? 'received',
    // A change of state brings its own comment (or none); a comment alone adds to the state as it is.
    comment: e.to ? e.comment : (e.comment ?? current?.comment ?? null),
    by: e.by.username,
    at: e.at,
    eventId: e.id,
  };
}

export type FeedbackOutcome =
  | { kind: 'ok'; applied: number }
  /** No answer, or a refusal (a 401 is the enrollment's business, said elsewhere). */
  | { kind: 'failed'; message: string };

/**
 * Asks the server for the events after the last one heard and keeps them;
 * never throws. Answers how many events were applied.
 */
export async function fetchFeedback(
  s: Stores = defaultStores,
  fetcher: typeof fetch = fetch,
): Promise<FeedbackOutcome> {
  let applied = 0;
  try {
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const after = ((await get<number>(CURSOR_KEY, s.settings)) ?? 0).toString();
      const res = await apiFetch(
        `/api/feedback?after=${after}`,
        { cache: 'no-store', signal: AbortSignal.timeout(BACKGROUND_REQUEST_TIMEOUT_MS) },
        fetcher,
      );
      if (!res.ok) return { kind: 'failed', message: `The server answered HTTP ${res.status}.` };
      const page = (await res.json()) as FeedbackPage;
      for (const e of page.events) {
        await guardQuota(() =>
          update(e.submissionId, (old: unknown) => applyEvent(readFeedback(old), e), s.feedback),
        );
        applied++;
      }
      await guardQuota(() => update<number>(CURSOR_KEY, (old) => Math.max(old ?? 0, page.last), s.settings));
      if (!page.more) break;
    }
    if (applied > 0) notifyFeedback(applied);
    return { kind: 'ok', applied };
  } catch (e) {
    return { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
  }
}

/** The feedback of these submissions, by id; those with none are left out. */
export async function feedbackOf(ids: string[], s: Stores = defaultStores): Promise<Map<string, Feedback>> {
  const found = new Map<string, Feedback>();
  const values = await getMany(ids, s.feedback);
  for (const v of values) {
    const f = readFeedback(v);
    if (f) found.set(f.submissionId, f);
  }
  return found;
}
