import type { ReviewEvent, ReviewState } from '../../shared/review.js';
import type { ReviewListing, ReviewQuery } from './review-listing.js';

/** An event to append; the repository gives it its id. */
export type NewReviewEvent = Omit<ReviewEvent, 'id'>;

/**
 * Supervisors' reviews: the state of each submission, and the append-only
 * history of changes and comments (migrations 0006 on SQLite, 0005 on
 * PostgreSQL). The state changes only together with an appended event, in
 * one transaction (server/review.ts).
 */
export interface ReviewsTx {
  /**
   * Taken first by every transaction that appends an event, held to its end:
   * events commit in id order, so a reader after the last id it saw misses none.
   */
  lockReviews(): Promise<void>;
  /** The submission's current state; undefined when the server has no such submission. */
  getReviewState(submissionId: string): Promise<ReviewState | undefined>;
  /** Sets the current state; false when there is no such submission. */
  setReviewState(submissionId: string, state: ReviewState): Promise<boolean>;
  appendReviewEvent(event: NewReviewEvent): Promise<ReviewEvent>;
  /** A submission's history, oldest first. */
  listReviewEvents(submissionId: string): Promise<ReviewEvent[]>;
  /** Every event after the id, oldest first, at most limit (for catching up, and for moving them elsewhere). */
  reviewEventsAfter(afterId: number, limit: number): Promise<ReviewEvent[]>;
  /** Stores an event as another repository held it, its id unchanged; insert-if-absent on the id. */
  importReviewEvent(event: ReviewEvent): Promise<boolean>;
  /** Events on the submissions the device sent, after the id, oldest first, at most limit. */
  reviewEventsForDevice(deviceId: string, afterId: number, limit: number): Promise<ReviewEvent[]>;
  /**
   * Of each submission given, its latest event with a comment (none for a
   * submission without one): the exports' last comment, a page at a time.
   */
  latestComments(submissionIds: readonly string[]): Promise<ReviewEvent[]>;
  /** A page of the review table (review-listing.ts). */
  listForReview(query: ReviewQuery): Promise<ReviewListing>;
}
