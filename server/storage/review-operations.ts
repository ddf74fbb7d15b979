import type { ReviewEvent, ReviewState } from '../../shared/review.js';
import { bulkReviewOperations } from './review-bulk.js';
import { listForReview, pointsForReview, type ReviewListingDialect } from './review-listing.js';
import type { NewReviewEvent, ReviewsTx } from './reviews.js';
import { SELECT_SUBMISSIONS, toSubmission, type SubmissionRow } from './rows.js';
import type { Session } from './session.js';

const EVENT_COLUMNS = 'id, submission_id, at, user_id, username, from_state, to_state, comment';
/** EVENT_COLUMNS of review_events joined as e. */
const E_EVENT_COLUMNS = EVENT_COLUMNS.replace(/\w+/g, (c) => `e.${c}`);

interface ReviewEventRow {
  id: number | string;
  submission_id: string;
  at: string;
  user_id: string;
  username: string;
  from_state: ReviewState | null;
  to_state: ReviewState | null;
  comment: string | null;
}

function toEvent(r: ReviewEventRow): ReviewEvent {
  return {
    id: Number(r.id),
    submissionId: r.submission_id,
    at: r.at,
    by: { userId: r.user_id, username: r.username },
    from: r.from_state,
    to: r.to_state,
    comment: r.comment,
  };
}

const eventValues = (e: NewReviewEvent): unknown[] => [
  e.submissionId,
  e.at,
  e.by.userId,
  e.by.username,
  e.from,
  e.to,
  e.comment,
];

/** What differs between the dialects. */
export interface ReviewDialect extends ReviewListingDialect {
  /** Orders appends: nothing on SQLite, whose single writer commits in order; an advisory lock on PostgreSQL. */
  lock(session: Session): Promise<void>;
  /** After an event is stored with its own id, later appends must number above it. */
  afterImport(session: Session): Promise<void>;
}

/** The review operations on a session, in SQL both SQLite and PostgreSQL read. */
export function reviewOperations(session: Session, dialect: ReviewDialect): ReviewsTx {
  return {
    lockReviews: () => dialect.lock(session),
    async getReviewState(submissionId) {
      const [row] = await session.query<{ review_state: ReviewState }>(
        'SELECT review_state FROM submissions WHERE id = $1',
        [submissionId],
      );
      return row?.review_state;
    },
    async setReviewState(submissionId, state) {
      const rows = await session.query(
        'UPDATE submissions SET review_state = $2 WHERE id = $1 RETURNING 1 AS done',
        [submissionId, state],
      );
      return rows.length === 1;
    },
    async appendReviewEvent(event) {
      const [row] = await session.query<ReviewEventRow>(
        `INSERT INTO review_events (submission_id, at, user_id, username, from_state, to_state, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${EVENT_COLUMNS}`,
        eventValues(event),
      );
      if (!row) throw new Error('The review event was not stored.');
      return toEvent(row);
    },
    async listReviewEvents(submissionId) {
      const rows = await session.query<ReviewEventRow>(
        `SELECT ${EVENT_COLUMNS} FROM review_events WHERE submission_id = $1 ORDER BY id`,
        [submissionId],
      );
      return rows.map(toEvent);
    },
    async reviewEventsAfter(afterId, limit) {
      const rows = await session.query<ReviewEventRow>(
        `SELECT ${EVENT_COLUMNS} FROM review_events WHERE id > $1 ORDER BY id LIMIT $2`,
        [afterId, limit],
      );
      return rows.map(toEvent);
    },
    async importReviewEvent(event) {
      const rows = await session.query(
        `INSERT INTO review_events (id, submission_id, at, user_id, username, from_state, to_state, comment)
         VALUES ($8, $1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1 AS inserted`,
        [...eventValues(event), event.id],
      );
      await dialect.afterImport(session);
      return rows.length === 1;
    },
    async reviewEventsOnForms(afterId, formIds, limit) {
      const onForms = formIds === null ? '' : `AND ${dialect.inList('s.form_id', '$3')}`;
      const rows = await session.query<ReviewEventRow>(
        `SELECT ${E_EVENT_COLUMNS}
         FROM review_events e JOIN submissions s ON s.id = e.submission_id
         WHERE e.id > $1 ${onForms} ORDER BY e.id LIMIT $2`,
        formIds === null ? [afterId, limit] : [afterId, limit, dialect.bindList(formIds)],
      );
      return rows.map(toEvent);
    },
    async reviewEventsForDevice(deviceId, afterId, limit) {
      const rows = await session.query<ReviewEventRow>(
        `SELECT ${E_EVENT_COLUMNS}
         FROM review_events e JOIN submissions s ON s.id = e.submission_id
         WHERE e.id > $2 AND s.sent_by IN (
           -- The device, and its own installation's earlier enrollments once revoked.
           SELECT p.id FROM devices me JOIN devices p
             ON p.id = me.id OR (
               p.installation_id = me.installation_id AND p.revoked_at IS NOT NULL
               AND p.enrolled_at <= me.enrolled_at)
           WHERE me.id = $1)
         ORDER BY e.id LIMIT $3`,
        [deviceId, afterId, limit],
      );
      return rows.map(toEvent);
    },
    async referenceReplacedAt(etag) {
      const [row] = await session.query<{ published_at: string }>(
        `SELECT n.published_at FROM reference_revisions n
         WHERE n.revision = (SELECT MAX(r.revision) + 1 FROM reference_revisions r WHERE r.etag = $1)`,
        [etag],
      );
      return row?.published_at ?? null;
    },
    async submissionsWithoutFlags(limit) {
      const rows = await session.query<SubmissionRow>(
        `${SELECT_SUBMISSIONS} WHERE s.flags IS NULL ORDER BY s.seq LIMIT $1`,
        [limit],
      );
      return rows.map(toSubmission);
    },
    async setFlags(submissionId, flags) {
      await session.query('UPDATE submissions SET flags = $2 WHERE id = $1', [
        submissionId,
        JSON.stringify(flags),
      ]);
    },
    async latestComments(submissionIds) {
      if (submissionIds.length === 0) return [];
      // One indexed look-up per submission: (submission_id, id) finds its highest commented id.
      const rows = await session.query<ReviewEventRow>(
        `SELECT ${EVENT_COLUMNS} FROM review_events WHERE id IN (
           SELECT max(id) FROM review_events
           WHERE ${dialect.inList('submission_id', '$1')} AND comment IS NOT NULL
           GROUP BY submission_id)`,
        [dialect.bindList(submissionIds)],
      );
      return rows.map(toEvent);
    },
    listForReview: (query) => listForReview(session, dialect, query),
    pointsForReview: (query, limit) => pointsForReview(session, dialect, query, limit),
    ...bulkReviewOperations(session, dialect),
  };
}
