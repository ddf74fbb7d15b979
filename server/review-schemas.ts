/**
 * JSON schemas of the review endpoints (shared/review.ts). They check shape
 * and type; what a comment must say is checked by server/review.ts, in words.
 */
import { MAX_COMMENT_LENGTH, REVIEW_STATES } from '../shared/review.js';

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const state = { type: 'string', enum: REVIEW_STATES } as const;
const nullableState = { type: ['string', 'null'], enum: [...REVIEW_STATES, null] } as const;

export const reviewRequestBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state,
    // Room for the whitespace the server trims; the limit in words is review.ts's.
    comment: { type: 'string', maxLength: MAX_COMMENT_LENGTH * 2 },
    expectedState: state,
  },
} as const;

// The answers: every property listed, as response-schemas.ts explains.

export const reviewEvent = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'submissionId', 'at', 'by', 'from', 'to', 'comment'],
  properties: {
    id: { type: 'integer' },
    submissionId: string,
    at: string,
    by: {
      type: 'object',
      additionalProperties: false,
      required: ['userId', 'username'],
      properties: { userId: string, username: string },
    },
    from: nullableState,
    to: nullableState,
    comment: nullableString,
  },
} as const;

export const reviewOutcome = {
  type: 'object',
  additionalProperties: false,
  required: ['state', 'event'],
  properties: { state, event: { anyOf: [{ type: 'null' }, reviewEvent] } },
} as const;

export const reviewHistory = { type: 'array', items: reviewEvent } as const;
