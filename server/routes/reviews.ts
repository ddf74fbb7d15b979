import type { FastifyInstance } from 'fastify';
import type { BulkReviewRequest, ReviewRequest } from '../../shared/review.js';
import { bulkReview, countForReview } from '../bulk-review.js';
import { compressText, preferredEncoding } from '../encoded-body.js';
import { apiErrors } from '../response-schemas.js';
import {
  deviceFeedback,
  reviewDevices,
  reviewHistory,
  reviewPage,
  reviewPoints,
  reviewSubmission,
} from '../review.js';
import type { ReviewQueryString } from '../review-query.js';
import {
  bulkReviewBody,
  bulkReviewOutcome,
  feedbackPage,
  feedbackQueryString,
  reviewHistory as historySchema,
  reviewOutcome,
  reviewPage as pageSchema,
  reviewQueryString,
  reviewCount,
  reviewRequestBody,
} from '../review-schemas.js';
import { idParamsSchema } from '../schemas.js';
import type { Repository } from '../storage/repository.js';
import type { CurrentReference } from '../current-reference.js';
import { labelCodesFor } from '../label-search.js';
import { REVIEWERS } from '../auth/guard.js';

export interface ReviewRoutesOptions {
  repo: Repository;
  clock: () => Date;
  /** For searching choice answers by their labels. */
  reference: CurrentReference;
}

const postSchema = {
  params: idParamsSchema,
  body: reviewRequestBody,
  response: { 200: reviewOutcome, 201: reviewOutcome, ...apiErrors(400, 401, 403, 404, 409, 415) },
};
const historyGetSchema = {
  params: idParamsSchema,
  response: { 200: historySchema, ...apiErrors(400, 401, 403, 404) },
};

const listSchema = {
  querystring: reviewQueryString,
  response: { 200: pageSchema, ...apiErrors(400, 401, 403) },
};

const pointsSchema = {
  querystring: reviewQueryString,
  response: {
    // Sent already serialized: a hundred thousand tuples are not worth a schema's walk.
    200: { type: 'object', properties: { points: { type: 'array' }, truncated: { type: 'boolean' } } },
    ...apiErrors(400, 401, 403),
  },
};

const devicesSchema = {
  response: {
    200: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'revoked'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, revoked: { type: 'boolean' } },
      },
    },
    ...apiErrors(401, 403),
  },
};

const countSchema = {
  querystring: reviewQueryString,
  response: { 200: reviewCount, ...apiErrors(400, 401, 403) },
};

const bulkSchema = {
  body: bulkReviewBody,
  response: { 200: bulkReviewOutcome, ...apiErrors(400, 401, 403, 409, 415) },
};

const feedbackSchema = {
  querystring: feedbackQueryString,
  response: { 200: feedbackPage, ...apiErrors(400, 401, 403) },
};

/** Supervisors' and administrators' reviews of submissions, each one's history, and devices' feedback. */
export default async function reviewRoutes(
  fastify: FastifyInstance,
  opts: ReviewRoutesOptions,
): Promise<void> {
  const { repo, clock, reference } = opts;

  fastify.post<{ Params: { id: string }; Body: ReviewRequest }>(
    '/submissions/:id/reviews',
    { config: REVIEWERS, schema: postSchema },
    async (request, reply) => {
      const { user } = await request.caller();
      if (!user) throw new Error('The guard lets only signed-in reviewers here.');
      const outcome = await reviewSubmission(repo, user, request.params.id, request.body, clock());
      return reply
        .code(outcome.event ? 201 : 200)
        .header('cache-control', 'no-store')
        .send(outcome);
    },
  );

  // A device learns what reviewers did to what it sent: returned with a comment, approved.
  fastify.get<{ Querystring: { after?: string } }>(
    '/feedback',
    { config: { allow: ['device'] }, schema: feedbackSchema },
    async (request, reply) => {
      const { device } = await request.caller();
      if (!device) throw new Error('The guard lets only enrolled devices here.');
      const page = await deviceFeedback(repo, device.id, request.query.after);
      return reply.header('cache-control', 'no-store').send(page);
    },
  );

  fastify.get<{ Querystring: ReviewQueryString }>(
    '/review/submissions',
    { config: REVIEWERS, schema: listSchema },
    async (request, reply) => {
      const { user } = await request.caller();
      if (!user) throw new Error('The guard lets only signed-in reviewers here.');
      const page = await reviewPage(
        repo,
        user,
        request.query,
        await labelCodesFor(reference, request.query.q),
      );
      return reply.header('cache-control', 'no-store').send(page);
    },
  );

  fastify.get<{ Querystring: ReviewQueryString }>(
    '/review/points',
    // Compressed here in one piece, on zlib's threads, rather than streamed through
    // @fastify/compress a chunk at a time: 100,000 points are 9 MB of JSON.
    { config: REVIEWERS, schema: pointsSchema, compress: false },
    async (request, reply) => {
      const { user } = await request.caller();
      if (!user) throw new Error('The guard lets only signed-in reviewers here.');
      const body = JSON.stringify(
        await reviewPoints(repo, user, request.query, await labelCodesFor(reference, request.query.q)),
      );
      const encoding = preferredEncoding(request.headers['accept-encoding']);
      void reply
        .header('cache-control', 'no-store')
        .header('vary', 'accept-encoding')
        .type('application/json; charset=utf-8');
      if (encoding === null) return reply.send(body);
      return reply.header('content-encoding', encoding).send(await compressText(body, encoding));
    },
  );

  fastify.get('/review/devices', { config: REVIEWERS, schema: devicesSchema }, async (request, reply) => {
    const { user } = await request.caller();
    if (!user) throw new Error('The guard lets only signed-in reviewers here.');
    return reply.header('cache-control', 'no-store').send(await reviewDevices(repo, user));
  });

  fastify.get<{ Querystring: ReviewQueryString }>(
    '/review/count',
    { config: REVIEWERS, schema: countSchema },
    async (request, reply) => {
      const { user } = await request.caller();
      if (!user) throw new Error('The guard lets only signed-in reviewers here.');
      const counted = await countForReview(
        repo,
        user,
        request.query,
        await labelCodesFor(reference, request.query.q),
      );
      return reply.header('cache-control', 'no-store').send(counted);
    },
  );

  fastify.post<{ Body: BulkReviewRequest }>(
    '/review/bulk',
    { config: REVIEWERS, schema: bulkSchema },
    async (request, reply) => {
      const { user } = await request.caller();
      if (!user) throw new Error('The guard lets only signed-in reviewers here.');
      const outcome = await bulkReview(
        repo,
        user,
        request.body,
        clock(),
        await labelCodesFor(reference, request.body.filter?.q),
      );
      return reply.header('cache-control', 'no-store').send(outcome);
    },
  );

  fastify.get<{ Params: { id: string } }>(
    '/submissions/:id/reviews',
    { config: REVIEWERS, schema: historyGetSchema },
    async (request, reply) => {
      const { user } = await request.caller();
      if (!user) throw new Error('The guard lets only signed-in reviewers here.');
      const events = await reviewHistory(repo, user, request.params.id);
      return reply.header('cache-control', 'no-store').send(events);
    },
  );
}
