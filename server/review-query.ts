/**
 * The review table's query string, read into a ReviewQuery with a clear
 * 400 for anything it cannot use. Cursors are opaque to clients: inside,
 * the sort they belong to and the last row's keys.
 */
import { REVIEW_SORTS, REVIEW_STATES, type ReviewSort, type ReviewState } from '../shared/review.js';
import { isIsoDateTime } from '../shared/validate.js';
import { badRequest } from './errors.js';
import type { UserRecord } from './storage/accounts.js';
import type { ReviewCursor, ReviewQuery } from './storage/review-listing.js';
import type { LabelCodes } from './label-search.js';

/** GET /api/review/submissions's query parameters, as strings (the schema bounds their lengths). */
export interface ReviewQueryString {
  form?: string;
  version?: string;
  /** Comma-separated states. */
  state?: string;
  device?: string;
  capturedFrom?: string;
  capturedBefore?: string;
  q?: string;
  correctionOf?: string;
  /** "true": only submissions with a flag. */
  flagged?: string;
  /** Only this submission (a table row looked up again). */
  id?: string;
  sort?: string;
  cursor?: string;
  limit?: string;
}

export const DEFAULT_REVIEW_PAGE = 100;
export const MAX_REVIEW_PAGE = 500;

export function encodeReviewCursor(sort: ReviewSort, c: ReviewCursor): string {
  return Buffer.from(JSON.stringify([sort, c.seq, c.capturedAt])).toString('base64url');
}

function decodeReviewCursor(cursor: string, sort: ReviewSort): ReviewCursor {
  const wrong = () =>
    badRequest('The query parameter "cursor" is not one this server gave out for this sort.', 'cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw wrong();
  }
  if (!Array.isArray(parsed) || parsed[0] !== sort || !Number.isSafeInteger(parsed[1])) throw wrong();
  const capturedAt: unknown = parsed[2];
  if (sort === 'captured' ? typeof capturedAt !== 'string' : capturedAt !== null) throw wrong();
  return { seq: parsed[1] as number, capturedAt: capturedAt as string | null };
}

/** A day (YYYY-MM-DD, from its start in UTC) or a date-time, as the UTC ISO text captured_at holds. */
function instant(value: string | undefined, name: string): string | null {
  if (value === undefined || value === '') return null;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(day ? `${value}T00:00:00.000Z` : value);
  if ((!day && !isIsoDateTime(value)) || Number.isNaN(ms))
    throw badRequest(
      `The query parameter "${name}" must be a day (2026-11-30) or a date and time with its offset (2026-11-30T14:00:00Z).`,
      name,
    );
  return new Date(ms).toISOString();
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw badRequest(`The query parameter "${name}" must be one of ${allowed.join(', ')}.`, name);
  return value as T;
}

/** The query a reviewer's parameters ask for, within the forms they review. */
export function readReviewQuery(user: UserRecord, qs: ReviewQueryString, labels: LabelCodes): ReviewQuery {
  const sort = qs.sort ? oneOf(qs.sort, REVIEW_SORTS, 'sort') : 'received';
  const limit = qs.limit === undefined ? DEFAULT_REVIEW_PAGE : Number(qs.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REVIEW_PAGE)
    throw badRequest(
      `The query parameter "limit" must be a whole number from 1 to ${MAX_REVIEW_PAGE}.`,
      'limit',
    );
  const version = qs.version ? Number(qs.version) : null;
  if (version !== null && (!Number.isSafeInteger(version) || version < 1))
    throw badRequest('The query parameter "version" must be a form version number: 1, 2, 3…', 'version');
  const states = qs.state
    ? [...new Set(qs.state.split(',').map((s) => oneOf<ReviewState>(s.trim(), REVIEW_STATES, 'state')))]
    : null;
  const text = qs.q?.trim() ?? '';
  return {
    scope: user.role === 'admin' ? null : user.formIds,
    formId: qs.form || null,
    formVersion: version,
    states,
    deviceId: qs.device || null,
    capturedFrom: instant(qs.capturedFrom, 'capturedFrom'),
    capturedBefore: instant(qs.capturedBefore, 'capturedBefore'),
    text: text === '' ? null : text,
    textCodes: text === '' ? [] : labels(text),
    correctionOf: qs.correctionOf || null,
    ids: qs.id ? [qs.id] : null,
    flagged: qs.flagged === 'true',
    sort,
    after: qs.cursor ? decodeReviewCursor(qs.cursor, sort) : null,
    limit,
    since: null,
  };
}
