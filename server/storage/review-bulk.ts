/**
 * A review of many submissions at once: the filtered set (or the rows
 * selected), up to the last submission the reviewer counted, in two
 * set-based statements whatever its size. Every submission that changes
 * gets its own event in its history, as one reviewed alone would.
 */
import type { ReviewState } from '../../shared/review.js';
import { binder, filterConditions, type ReviewListingDialect, type ReviewQuery } from './review-listing.js';
import type { Session } from './session.js';

/** The change a reviewer makes to every submission of the set. */
export interface BulkChange {
  at: string;
  by: { userId: string; username: string };
  to: ReviewState;
  comment: string | null;
}

export interface BulkReviewsTx {
  /** How many submissions match the query and have a seq of at most upTo. */
  countForReview(query: ReviewQuery, upTo: number): Promise<number>;
  /**
   * Moves each submission matching the query, with a seq of at most upTo,
   * to change.to, appending its event; those already there are left as
   * they are. Call under lockReviews. Answers how many matched and changed.
   */
  bulkReview(
    query: ReviewQuery,
    upTo: number,
    change: BulkChange,
  ): Promise<{ matched: number; changed: number }>;
}

export function bulkReviewOperations(session: Session, dialect: ReviewListingDialect): BulkReviewsTx {
  /** The statement's WHERE clause for the set, with the binder to add more. */
  const matching = (query: ReviewQuery, upTo: number) => {
    const b = binder();
    const where = [`s.seq <= ${b.bind(upTo)}`, ...filterConditions(query, dialect, b.bind)];
    return { ...b, where: where.join(' AND ') };
  };
  const count = async (query: ReviewQuery, upTo: number): Promise<number> => {
    const { values, where } = matching(query, upTo);
    const [row] = await session.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM submissions s WHERE ${where}`,
      values,
    );
    return Number(row?.n ?? 0);
  };
  return {
    countForReview: count,
    async bulkReview(query, upTo, change) {
      const matched = await count(query, upTo);
      const events = matching(query, upTo);
      const to = events.bind(change.to);
      // In seq order, so the events' ids follow the order the submissions arrived in.
      const inserted = await session.query<{ submission_id: string }>(
        `INSERT INTO review_events (submission_id, at, user_id, username, from_state, to_state, comment)
         SELECT s.id, ${events.bind(change.at)}, ${events.bind(change.by.userId)}, ${events.bind(change.by.username)},
           s.review_state, ${to}, ${events.bind(change.comment)}
         FROM submissions s WHERE ${events.where} AND s.review_state <> ${to} ORDER BY s.seq
         RETURNING submission_id`,
        events.values,
      );
      const states = matching(query, upTo);
      const target = states.bind(change.to);
      await session.query(
        `UPDATE submissions SET review_state = ${target}
         WHERE id IN (SELECT s.id FROM submissions s WHERE ${states.where} AND s.review_state <> ${target})`,
        states.values,
      );
      return { matched, changed: inserted.length };
    },
  };
}
