/**
 * JSON schemas of the review endpoints (shared/review.ts). They check shape
 * and type; what a comment must say is checked by server/review.ts, in words.
 */
import { MAX_COMMENT_LENGTH, MAX_SELECTED, REVIEW_STATES } from '../shared/review.js';
import { REVIEW_FLAGS } from '../shared/review-flags.js';
import { serverSubmission } from './response-schemas.js';

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const state = { type: 'string', enum: REVIEW_STATES } as const;
const param = (maxLength: number) => ({ type: 'string', maxLength }) as const;
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

export const feedbackQueryString = {
  type: 'object',
  properties: { after: param(20) },
} as const;

export const feedbackPage = {
  type: 'object',
  additionalProperties: false,
  required: ['events', 'last', 'more'],
  properties: { events: reviewHistory, last: { type: 'integer' }, more: { type: 'boolean' } },
} as const;

export const reviewQueryString = {
  type: 'object',
  additionalProperties: false,
  properties: {
    form: param(100),
    version: param(10),
    state: param(100),
    device: param(100),
    capturedFrom: param(40),
    capturedBefore: param(40),
    q: param(200),
    correctionOf: param(100),
    flagged: { type: 'string', enum: ['true', 'false'] },
    id: param(100),
    sort: param(20),
    cursor: param(200),
    limit: param(5),
  },
} as const;

export const reviewPage = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['submission', 'reviewState', 'flags'],
        properties: {
          submission: serverSubmission,
          reviewState: state,
          flags: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'message'],
              properties: { code: { type: 'string', enum: REVIEW_FLAGS }, message: string },
            },
          },
        },
      },
    },
    nextCursor: nullableString,
  },
} as const;

export const reviewCount = {
  type: 'object',
  additionalProperties: false,
  required: ['count', 'upTo'],
  properties: { count: { type: 'integer' }, upTo: { type: 'integer' } },
} as const;

export const bulkReviewBody = {
  type: 'object',
  additionalProperties: false,
  required: ['expectedCount', 'state'],
  properties: {
    filter: reviewQueryString,
    ids: { type: 'array', maxItems: MAX_SELECTED, items: { type: 'string', format: 'uuid' } },
    upTo: { type: 'integer', minimum: 0 },
    expectedCount: { type: 'integer', minimum: 0 },
    state,
    comment: reviewRequestBody.properties.comment,
  },
} as const;

export const bulkReviewOutcome = {
  type: 'object',
  additionalProperties: false,
  required: ['state', 'matched', 'changed'],
  properties: { state, matched: { type: 'integer' }, changed: { type: 'integer' } },
} as const;
