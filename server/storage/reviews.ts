import type { ReviewFlag } from '../../shared/review-flags.js';
import type { ReviewEvent, ReviewState } from '../../shared/review.js';
import type { StoredSubmission } from './repository.js';
import type { BulkReviewsTx } from './review-bulk.js';
import type { ReviewListing, ReviewPointRow, ReviewQuery } from './review-listing.js';

/** An event to append; the repository gives it its id. */
export type NewReviewEvent = Omit<ReviewEvent, 'id'>;

/**
 * Supervisors' reviews: the state of each submission, and the append-only
 * history of changes and comments (migrations 0006 on SQLite, 0005 on
 * PostgreSQL). The state changes only together with an appended event, in
 * one transaction (server/review.ts).
 */
export interface ReviewsTx extends BulkReviewsTx {
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
  /**
   * Every event after the id on submissions of the forms given (every form
   * when null), oldest first, at most limit: what the live stream sends a reviewer.
   */
  reviewEventsOnForms(
    afterId: number,
    formIds: readonly string[] | null,
    limit: number,
  ): Promise<ReviewEvent[]>;
  /**
   * Events on the submissions the device sent, or its installation sent
   * under an earlier enrollment since revoked, after the id, oldest first,
   * at most limit.
   */
  reviewEventsForDevice(deviceId: string, afterId: number, limit: number): Promise<ReviewEvent[]>;
  /**
   * When the revision after the newest one with this ETag was published:
   * when the reference data a device captured with was replaced; null when
   * nothing replaced it (or no revision has the ETag).
   */
  referenceReplacedAt(etag: string): Promise<string | null>;
  /** Up to limit submissions whose flags are not worked out yet, oldest first. */
  submissionsWithoutFlags(limit: number): Promise<StoredSubmission[]>;
  /** Records a submission's flags, worked out from it (the one change to a submission besides its review state). */
  setFlags(submissionId: string, flags: ReviewFlag[]): Promise<void>;
  /**
   * Of each submission given, its latest event with a comment (none for a
   * submission without one): the exports' last comment, a page at a time.
   */
  latestComments(submissionIds: readonly string[]): Promise<ReviewEvent[]>;
  /** A page of the review table (review-listing.ts). */
  listForReview(query: ReviewQuery): Promise<ReviewListing>;
  /** The located submissions of the query's newest limit, for the review map; more when it holds more. */
  pointsForReview(query: ReviewQuery, limit: number): Promise<{ points: ReviewPointRow[]; more: boolean }>;
}
