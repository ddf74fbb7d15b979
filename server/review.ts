/**
 * Reviewing a submission: a change of state, a comment, or both, appended to
 * its history in one transaction with the new state (docs/api.md, "Review").
 */
import {
  MAX_COMMENT_LENGTH,
  MAX_REVIEW_POINTS,
  RETURNING_STATES,
  REVIEW_STATE_LABEL,
  type FeedbackPage,
  type ReviewEvent,
  type ReviewPage,
  type ReviewPoints,
  type ReviewDevice,
  type ReviewRequest,
  type ReviewState,
} from '../shared/review.js';
import { userMayReview } from './auth/users.js';
import { badRequest, conflict, notFound } from './errors.js';
import { encodeReviewCursor, readReviewQuery, type ReviewQueryString } from './review-query.js';
import type { LabelCodes } from './label-search.js';
import { toServerSubmission } from './submissions.js';
import type { UserRecord } from './storage/accounts.js';
import type { Repository } from './storage/repository.js';

export interface ReviewOutcome {
  state: ReviewState;
  /** The event appended; null when the request changed nothing (the state it already had, no comment). */
  event: ReviewEvent | null;
}

/** The comment as kept (trimmed; null when blank), or 400 saying what is wrong. */
export function checkComment(request: ReviewRequest): string | null {
  const comment = request.comment?.trim() ?? '';
  if (comment.length > MAX_COMMENT_LENGTH)
    throw badRequest(`A comment is at most ${MAX_COMMENT_LENGTH} characters: shorten it.`, 'comment');
  if (request.state && RETURNING_STATES.includes(request.state) && comment === '')
    throw badRequest(
      `Say what needs fixing: "${REVIEW_STATE_LABEL[request.state]}" goes back to the field worker with your comment.`,
      'comment',
    );
  if (!request.state && comment === '') throw badRequest('Give a new state, a comment, or both.', 'comment');
  return comment === '' ? null : comment;
}

/**
 * Applies a reviewer's request. 404 when there is no such submission or the
 * user does not review its form (existence must not show); 409 when
 * expectedState is given and another reviewer has changed the state since.
 */
export async function reviewSubmission(
  repo: Repository,
  user: UserRecord,
  submissionId: string,
  request: ReviewRequest,
  now: Date,
): Promise<ReviewOutcome> {
  const comment = checkComment(request);
  const stored = await repo.getSubmission(submissionId);
  if (!stored || !userMayReview(user, stored.payload.formId))
    throw notFound(`The server has no submission ${submissionId}.`);
  const outcome = await repo.withTransaction(async (tx): Promise<ReviewOutcome> => {
    await tx.lockReviews();
    const current = await tx.getReviewState(submissionId);
    if (current === undefined) throw notFound(`The server has no submission ${submissionId}.`);
    if (request.expectedState !== undefined && request.expectedState !== current)
      throw conflict(
        `Someone else has marked it "${REVIEW_STATE_LABEL[current]}" meanwhile: look again before changing it.`,
        'expectedState',
      );
    const to = request.state !== undefined && request.state !== current ? request.state : null;
    if (to === null && comment === null) return { state: current, event: null };
    if (to !== null) await tx.setReviewState(submissionId, to);
    const event = await tx.appendReviewEvent({
      submissionId,
      at: now.toISOString(),
      by: { userId: user.id, username: user.username },
      from: to === null ? null : current,
      to,
      comment,
    });
    return { state: to ?? current, event };
  });
  if (outcome.event) repo.changes.announce('review');
  return outcome;
}

/** A page of the review table: the filtered submissions with their states, and the next page's cursor. */
export async function reviewPage(
  repo: Repository,
  user: UserRecord,
  qs: ReviewQueryString,
  labels: LabelCodes,
): Promise<ReviewPage> {
  const query = readReviewQuery(user, qs, labels);
  const { items, next } = await repo.listForReview(query);
  return {
    items: items.map((i) => ({
      submission: toServerSubmission(i.submission),
      reviewState: i.reviewState,
      flags: i.flags,
    })),
    nextCursor: next && encodeReviewCursor(query.sort, next),
  };
}

/** Events fetched at a time by a device: a returned batch is small, and the device asks again for more. */
export const FEEDBACK_PAGE = 200;

/** What reviewers did to the device's own submissions after the event id it last saw. */
export async function deviceFeedback(
  repo: Repository,
  deviceId: string,
  after: string | undefined,
): Promise<FeedbackPage> {
  const afterId = after === undefined || after === '' ? 0 : Number(after);
  if (!Number.isSafeInteger(afterId) || afterId < 0)
    throw badRequest(
      'The query parameter "after" must be the id of an event this server gave out, or 0.',
      'after',
    );
  const found = await repo.reviewEventsForDevice(deviceId, afterId, FEEDBACK_PAGE + 1);
  const events = found.slice(0, FEEDBACK_PAGE);
  return { events, last: events[events.length - 1]?.id ?? afterId, more: found.length > FEEDBACK_PAGE };
}

/** A submission's history, oldest first; 404 as for reviewing. */
export async function reviewHistory(
  repo: Repository,
  user: UserRecord,
  submissionId: string,
): Promise<ReviewEvent[]> {
  const stored = await repo.getSubmission(submissionId);
  if (!stored || !userMayReview(user, stored.payload.formId))
    throw notFound(`The server has no submission ${submissionId}.`);
  return repo.listReviewEvents(submissionId);
}

/** The located submissions of the filter, newest first, for the review map. */
export async function reviewPoints(
  repo: Repository,
  user: UserRecord,
  qs: ReviewQueryString,
  labels: LabelCodes,
): Promise<ReviewPoints> {
  const { points, more } = await repo.pointsForReview(readReviewQuery(user, qs, labels), MAX_REVIEW_POINTS);
  return { points, truncated: more };
}

/** The enrolled devices that may send a form the user reviews (revoked ones too), by name. */
export async function reviewDevices(repo: Repository, user: UserRecord): Promise<ReviewDevice[]> {
  const scope = user.role === 'admin' ? null : user.formIds;
  return (await repo.listDevices())
    .filter(
      (d) =>
        d.enrolledAt !== null &&
        (scope === null || d.formIds === null || d.formIds.some((id) => scope.includes(id))),
    )
    .map((d) => ({ id: d.id, name: d.name, revoked: d.revokedAt !== null }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
