/**
 * Reviewing many submissions at once (docs/api.md, "Review"): the count a
 * reviewer confirms, then the change, applied only to that set. The set is
 * the filter's up to the last submission counted, so what arrives
 * meanwhile is left for the reviewer to look at; if it changed otherwise
 * (another reviewer moved some out of a filtered state), the change is
 * refused with the new count rather than applied to a set nobody saw.
 */
import {
  MAX_SELECTED,
  REVIEW_STATE_LABEL,
  type BulkReviewOutcome,
  type BulkReviewRequest,
  type ReviewCount,
} from '../shared/review.js';
import { badRequest, conflict } from './errors.js';
import { checkComment } from './review.js';
import { readReviewQuery, type ReviewQueryString } from './review-query.js';
import type { LabelCodes } from './label-search.js';
import type { UserRecord } from './storage/accounts.js';
import type { Repository } from './storage/repository.js';
import type { ReviewQuery } from './storage/review-listing.js';

/** How many submissions match the filter now, and the last one counted. */
export async function countForReview(
  repo: Repository,
  user: UserRecord,
  qs: ReviewQueryString,
  labels: LabelCodes,
): Promise<ReviewCount> {
  const query = readReviewQuery(user, qs, labels);
  const { seq: upTo } = await repo.livePosition();
  return { count: await repo.countForReview(query, upTo), upTo };
}

function setOf(
  user: UserRecord,
  request: BulkReviewRequest,
  labels: LabelCodes,
): { query: ReviewQuery; upTo: number } {
  if ((request.filter === undefined) === (request.ids === undefined))
    throw badRequest('Give either the filter or the ids of the submissions selected, not both.', 'filter');
  if (request.ids !== undefined) {
    if (request.ids.length === 0 || request.ids.length > MAX_SELECTED)
      throw badRequest(
        `Select from 1 to ${MAX_SELECTED} submissions, or review all that match the filter.`,
        'ids',
      );
    const query = { ...readReviewQuery(user, {}, labels), ids: [...new Set(request.ids)] };
    return { query, upTo: request.upTo ?? Number.MAX_SAFE_INTEGER };
  }
  if (request.upTo === undefined)
    throw badRequest('Give upTo, from the count you confirmed (GET /api/review/count).', 'upTo');
  // A page's position is no part of the set.
  const filter: ReviewQueryString = { ...request.filter };
  delete filter.cursor;
  delete filter.limit;
  return { query: readReviewQuery(user, filter, labels), upTo: request.upTo };
}

const count = (n: number): string => n.toLocaleString('en');

/** Applies one state (and comment) to the set, or 409 when it is no longer the set confirmed. */
export async function bulkReview(
  repo: Repository,
  user: UserRecord,
  request: BulkReviewRequest,
  now: Date,
  labels: LabelCodes,
): Promise<BulkReviewOutcome> {
  const comment = checkComment(request);
  const { query, upTo } = setOf(user, request, labels);
  const outcome = await repo.withTransaction(async (tx) => {
    await tx.lockReviews();
    const done = await tx.bulkReview(query, upTo, {
      at: now.toISOString(),
      by: { userId: user.id, username: user.username },
      to: request.state,
      comment,
    });
    if (done.matched !== request.expectedCount)
      throw conflict(
        `The set has changed since you counted: ${count(done.matched)} ${done.matched === 1 ? 'submission matches' : 'submissions match'} now, not ${count(request.expectedCount)}. Nothing was marked "${REVIEW_STATE_LABEL[request.state]}": look again.`,
        'expectedCount',
      );
    return { state: request.state, ...done };
  });
  if (outcome.changed > 0) repo.changes.announce('review');
  return outcome;
}
