/**
 * A supervisor's review of a submission (docs/api.md, "Review"): its state,
 * and the append-only history of every change and comment. Shared by the
 * page app, the service worker and the server.
 */
import type { ReviewFlag } from './review-flags.js';
import type { ServerSubmission } from './submission.js';

/** Every submission starts as received; a supervisor moves it to any other. */
export const REVIEW_STATES = ['received', 'approved', 'has_issues', 'rejected'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** The states that send a submission back to its field worker, which need a comment saying why. */
export const RETURNING_STATES: readonly ReviewState[] = ['has_issues', 'rejected'];

/** A state as a person reads it. */
export const REVIEW_STATE_LABEL: Record<ReviewState, string> = {
  received: 'Received',
  approved: 'Approved',
  has_issues: 'Has issues',
  rejected: 'Rejected',
};

/** The longest comment kept: a few paragraphs, not a document. */
export const MAX_COMMENT_LENGTH = 4000;

/** POST /api/submissions/{id}/reviews: a change of state, a comment, or both. */
export interface ReviewRequest {
  /** The new state; absent for a comment alone. */
  state?: ReviewState;
  /** Required with has_issues and rejected; a comment alone otherwise. */
  comment?: string;
  /**
   * The state the reviewer saw. When another reviewer has changed it since,
   * the change is refused (409) rather than silently overwriting theirs.
   */
  expectedState?: ReviewState;
}

/** One entry of a submission's history: who, when, from what to what, and what they said. */
export interface ReviewEvent {
  /** Increasing across the server: the order of the history. */
  id: number;
  submissionId: string;
  at: string;
  /** The reviewer, as named when the event was recorded. */
  by: { userId: string; username: string };
  /** Both null for a comment alone. */
  from: ReviewState | null;
  to: ReviewState | null;
  comment: string | null;
}

/** A submission's review as GET answers show it. */
export interface Review {
  state: ReviewState;
  /** The latest event; null while nobody has reviewed it. */
  last: ReviewEvent | null;
}

/**
 * GET /api/feedback: what reviewers did to the submissions this device
 * sent, after the last event it has seen, oldest first.
 */
export interface FeedbackPage {
  events: ReviewEvent[];
  /** The id to ask after next time: the last event's, or the one asked after when there is none. */
  last: number;
  /** True when more events wait beyond this page. */
  more: boolean;
}

/** How the review table is ordered: newest received first, or newest captured first. */
export const REVIEW_SORTS = ['received', 'captured'] as const;
export type ReviewSort = (typeof REVIEW_SORTS)[number];

/** One row of GET /api/review/submissions: the record as received, its review state, and what to look at twice. */
export interface ReviewItem {
  submission: ServerSubmission;
  reviewState: ReviewState;
  flags: ReviewFlag[];
}

/** GET /api/review/submissions: a page of the filtered set, and where the next begins. */
export interface ReviewPage {
  items: ReviewItem[];
  nextCursor: string | null;
}

/** The most rows a reviewer selects one by one; beyond, "all that match the filter" does it. */
export const MAX_SELECTED = 1000;

/** GET /api/review/count: how many submissions match the filter now, and the last one counted. */
export interface ReviewCount {
  count: number;
  /** Pass back as BulkReviewRequest.upTo: submissions received later are not in the set. */
  upTo: number;
}

/**
 * POST /api/review/bulk: one state (and comment) for a set of submissions:
 * those matching the filter up to the last one counted, or the rows
 * selected. It applies only if the set is still the one the reviewer
 * confirmed (expectedCount), else 409.
 */
export interface BulkReviewRequest {
  /** The table's filter, as GET /api/review/submissions's query parameters (form, state, q…). */
  filter?: Record<string, string>;
  /** Or the submissions selected, at most MAX_SELECTED. */
  ids?: string[];
  /** ReviewCount.upTo; with ids, may be left out. */
  upTo?: number;
  expectedCount: number;
  state: ReviewState;
  /** Required with has_issues and rejected, as for one submission. */
  comment?: string;
}

export interface BulkReviewOutcome {
  state: ReviewState;
  /** Submissions in the set. */
  matched: number;
  /** Those moved to the state (the rest had it already), each with an event in its history. */
  changed: number;
}

/** A submission on the review map: its id, latitude, longitude and review state. */
export type ReviewPoint = [id: string, latitude: number, longitude: number, state: ReviewState];

/** The most submissions the review map is sent at once, newest first. */
export const MAX_REVIEW_POINTS = 100_000;

/** GET /api/review/points: the located submissions of the filter, newest first. */
export interface ReviewPoints {
  points: ReviewPoint[];
  /** More matched than MAX_REVIEW_POINTS: the map shows the newest. */
  truncated: boolean;
}

/** GET /api/review/devices: the devices that may send the reviewer's forms, for the table's device filter. */
export interface ReviewDevice {
  id: string;
  name: string;
  /** Revoked devices stay listed: what they sent is still there to review. */
  revoked: boolean;
}
