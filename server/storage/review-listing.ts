/**
 * The review table's query: the submissions a reviewer may see, filtered,
 * newest first by received or captured time, a page at a time from a
 * keyset cursor (no OFFSET, so page 500 costs what page 1 does).
 */
import type { ReviewFlag } from '../../shared/review-flags.js';
import type { ReviewSort, ReviewState } from '../../shared/review.js';
import type { StoredSubmission } from './repository.js';
import { toSubmission, type SubmissionRow } from './rows.js';
import type { Session } from './session.js';

/** Where a page ends: the last row's seq, and its capture time when sorted by it. */
export interface ReviewCursor {
  seq: number;
  capturedAt: string | null;
}

export interface ReviewQuery {
  /** The forms the reviewer reviews; null for every form. */
  scope: string[] | null;
  formId: string | null;
  formVersion: number | null;
  /** Any of these states; null for every state. */
  states: ReviewState[] | null;
  /** The enrolled device that sent it. */
  deviceId: string | null;
  /** Captured at or after, and before (UTC ISO). */
  capturedFrom: string | null;
  capturedBefore: string | null;
  /** Case-insensitive text within any answer. */
  text: string | null;
  /** Choice codes whose labels hold the text: an answer that is one of them matches too. */
  textCodes: readonly string[];
  /** Only the corrections of this submission. */
  correctionOf: string | null;
  /** Only these submissions (rows a reviewer selected). */
  ids: string[] | null;
  /** Only those with a flag (shared/review-flags.ts). */
  flagged: boolean;
  sort: ReviewSort;
  after: ReviewCursor | null;
  /**
   * Only those with a seq above this, oldest first (the live stream's
   * reading of what is new); sort and after are then unused.
   */
  since: number | null;
  limit: number;
}

export interface ReviewListing {
  /** flags: none while not worked out yet. */
  items: { submission: StoredSubmission; reviewState: ReviewState; flags: ReviewFlag[] }[];
  next: ReviewCursor | null;
}

/** What differs between the dialects in the query. */
export interface ReviewListingDialect {
  /** Rows at or above this seq are not listed yet (PostgreSQL's in-flight horizon; none on SQLite). */
  ceiling(session: Session): Promise<number>;
  /** "column is one of the list bound at $n", and how the list is bound. */
  inList(column: string, param: string): string;
  bindList(list: readonly string[]): unknown;
  /**
   * "some answer's text matches the LIKE pattern bound at $n",
   * case-insensitive, or, when codes are bound, some answer is one of those
   * codes or a list holding one.
   */
  answersMatch(param: string, codes: string | null): string;
  /** The submission's location object ({lat, lon, …}) from s.payload, as JSON text or parsed; null for none. */
  location: string;
}

/** A LIKE pattern finding text anywhere, its wildcards taken literally (escaped with \). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Binds a value to the next placeholder of a statement, and answers it ($1, $2…). */
export type Bind = (value: unknown) => string;

/** The filter's conditions on submissions joined as s, their values bound. */
export function filterConditions(q: ReviewQuery, dialect: ReviewListingDialect, bind: Bind): string[] {
  const where: string[] = [];
  if (q.scope !== null) where.push(dialect.inList('s.form_id', bind(dialect.bindList(q.scope))));
  if (q.formId !== null) where.push(`s.form_id = ${bind(q.formId)}`);
  if (q.formVersion !== null) where.push(`s.form_version = ${bind(q.formVersion)}`);
  // A few states, bound one by one: a literal list lets both planners use (review_state, seq).
  if (q.states !== null) where.push(`s.review_state IN (${q.states.map((st) => bind(st)).join(', ')})`);
  if (q.deviceId !== null) where.push(`s.sent_by = ${bind(q.deviceId)}`);
  if (q.capturedFrom !== null) where.push(`s.captured_at >= ${bind(q.capturedFrom)}`);
  if (q.capturedBefore !== null) where.push(`s.captured_at < ${bind(q.capturedBefore)}`);
  if (q.text !== null) {
    const codes = q.textCodes.length ? bind(dialect.bindList(q.textCodes)) : null;
    where.push(dialect.answersMatch(bind(containsPattern(q.text)), codes));
  }
  if (q.correctionOf !== null) where.push(`s.correction_of = ${bind(q.correctionOf)}`);
  if (q.ids !== null) where.push(dialect.inList('s.id', bind(dialect.bindList(q.ids))));
  // As the partial index submissions_flagged says it, so that both planners use it.
  if (q.flagged) where.push("s.flags <> '[]'");
  return where;
}

/** A statement's values, and the binder that adds to them. */
export function binder(): { values: unknown[]; bind: Bind } {
  const values: unknown[] = [];
  return {
    values,
    bind: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

interface ReviewRow extends SubmissionRow {
  review_state: ReviewState;
  captured_at: string;
  flags: string | null;
}

export async function listForReview(
  session: Session,
  dialect: ReviewListingDialect,
  q: ReviewQuery,
): Promise<ReviewListing> {
  const { values, bind } = binder();
  const ceiling = await dialect.ceiling(session);
  const where: string[] = [];
  if (q.since !== null) {
    where.push(`s.seq > ${bind(q.since)}`, `s.seq < ${bind(ceiling)}`);
  } else if (q.sort === 'captured' && q.after) {
    // By capture time the keyset is (captured_at, seq); the seq bound is only the ceiling's.
    where.push(`s.seq < ${bind(ceiling)}`);
    const at = bind(q.after.capturedAt ?? '');
    where.push(`(s.captured_at < ${at} OR (s.captured_at = ${at} AND s.seq < ${bind(q.after.seq)}))`);
  } else {
    where.push(`s.seq < ${bind(Math.min(ceiling, q.after?.seq ?? Number.MAX_SAFE_INTEGER))}`);
  }
  where.push(...filterConditions(q, dialect, bind));
  const order =
    q.since !== null ? 's.seq' : q.sort === 'captured' ? 's.captured_at DESC, s.seq DESC' : 's.seq DESC';
  const rows = await session.query<ReviewRow>(
    `SELECT s.seq, s.id, s.received_at, s.content_hash, s.payload, s.sent_by, d.name AS sent_by_name,
       s.review_state, s.captured_at, s.flags
     FROM submissions s LEFT JOIN devices d ON d.id = s.sent_by
     WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${bind(q.limit + 1)}`,
    values,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      submission: toSubmission(r),
      reviewState: r.review_state,
      flags: r.flags === null ? [] : (JSON.parse(r.flags) as ReviewFlag[]),
    })),
    next:
      rows.length > q.limit && last && q.since === null
        ? { seq: Number(last.seq), capturedAt: q.sort === 'captured' ? last.captured_at : null }
        : null,
  };
}

/** A submission on the review map: id, latitude, longitude, review state. */
export type ReviewPointRow = [string, number, number, ReviewState];

/**
 * The located submissions among the query's newest limit (its sort and
 * cursor aside), newest first; more when the query holds more than limit.
 */
export async function pointsForReview(
  session: Session,
  dialect: ReviewListingDialect,
  q: ReviewQuery,
  limit: number,
): Promise<{ points: ReviewPointRow[]; more: boolean }> {
  const { values, bind } = binder();
  const where = [`s.seq < ${bind(await dialect.ceiling(session))}`, ...filterConditions(q, dialect, bind)];
  const rows = await session.query<{ id: string; review_state: ReviewState; location: unknown }>(
    `SELECT s.id, s.review_state, ${dialect.location} AS location FROM submissions s
     WHERE ${where.join(' AND ')} ORDER BY s.seq DESC LIMIT ${bind(limit + 1)}`,
    values,
  );
  const points: ReviewPointRow[] = [];
  for (const r of rows.slice(0, limit)) {
    const loc = (typeof r.location === 'string' ? JSON.parse(r.location) : r.location) as {
      lat?: unknown;
      lon?: unknown;
    } | null;
    if (loc && typeof loc.lat === 'number' && typeof loc.lon === 'number')
      points.push([r.id, loc.lat, loc.lon, r.review_state]);
  }
  return { points, more: rows.length > limit };
}
