import type { FastifyError, FastifyInstance } from 'fastify';
import type { ServerSubmission, SubmissionPage, SubmissionPayload } from '../../shared/submission.js';
import { badRequest, megabytes, payloadTooLarge } from '../errors.js';
import type { CurrentReference } from '../current-reference.js';
import { apiErrors, receipt, serverSubmission, submissionPage } from '../response-schemas.js';
import { idParamsSchema, pageQuerySchema, submissionPayloadSchema } from '../schemas.js';
import type { Repository } from '../storage/repository.js';
import { acceptSubmission, findSubmission, listSubmissions } from '../submissions.js';
import type { FlagSettings } from '../flags.js';
import { REVIEWERS } from '../auth/guard.js';

export interface SubmissionRoutesOptions {
  repo: Repository;
  reference: CurrentReference;
  flagSettings: FlagSettings;
}

interface IdParams {
  id: string;
}

interface PageQuery {
  cursor?: string;
  limit?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** A submission is answers and photo descriptions; photos travel separately. */
export const SUBMISSION_BODY_LIMIT = 1024 * 1024;

/** Cursors are opaque to clients; inside, the seq of the last item sent. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number | null {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match?.[1] ? Number(match[1]) : null;
}

const putSchema = {
  params: idParamsSchema,
  body: submissionPayloadSchema,
  response: { 201: receipt, 200: receipt, ...apiErrors(400, 401, 403, 409, 413, 415, 422) },
};
const getSchema = {
  params: idParamsSchema,
  response: { 200: serverSubmission, ...apiErrors(400, 401, 404) },
};
const listSchema = {
  querystring: pageQuerySchema,
  response: { 200: submissionPage, ...apiErrors(400, 401, 403) },
};

export default async function submissionRoutes(
  fastify: FastifyInstance,
  opts: SubmissionRoutesOptions,
): Promise<void> {
  const { repo, reference } = opts;
  // Submissions are JSON only; a text body would otherwise reach the schema as a string.
  fastify.removeContentTypeParser('text/plain');
  // Fastify's own body limit error, in words for a submission; the app's error handler answers.
  fastify.setErrorHandler<FastifyError>((error) => {
    if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
    throw payloadTooLarge(
      `The submission is larger than the server accepts (${megabytes(SUBMISSION_BODY_LIMIT)}). Photos are sent on their own, so its answers are too long: shorten the longest text answers, then send it again.`,
    );
  });

  fastify.put<{ Params: IdParams; Body: SubmissionPayload }>(
    '/submissions/:id',
    { bodyLimit: SUBMISSION_BODY_LIMIT, config: { allow: ['device'] }, schema: putSchema },
    async (request, reply) => {
      if (request.body.id !== request.params.id) {
        throw badRequest(
          `The body's id ${request.body.id} is not the id in the URL (${request.params.id}).`,
          'id',
        );
      }
      const { device } = await request.caller();
      if (!device) throw new Error('The guard lets only devices send submissions.');
      const { status, receipt } = await acceptSubmission(
        repo,
        reference,
        request.body,
        device,
        opts.flagSettings,
      );
      return reply.code(status).header('location', `/api/submissions/${receipt.id}`).send(receipt);
    },
  );

  const readers = { allow: ['device', 'supervisor', 'admin'] } as const;
  fastify.get<{ Params: IdParams }>(
    '/submissions/:id',
    { config: readers, schema: getSchema },
    async (request, reply) => {
      const body: ServerSubmission = await findSubmission(repo, request.params.id, await request.caller());
      return reply.header('cache-control', 'private, no-cache').send(body);
    },
  );

  fastify.get<{ Querystring: PageQuery }>(
    '/submissions',
    { config: REVIEWERS, schema: listSchema },
    async (request, reply) => {
      const { user } = await request.caller();
      if (!user) throw new Error('The guard lets only supervisors and administrators list submissions.');
      const { cursor } = request.query;
      const limit = request.query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(request.query.limit);
      if (limit < 1 || limit > MAX_PAGE_SIZE)
        throw badRequest('The query parameter "limit" must be a whole number from 1 to 200.', 'limit');
      let before: number | null = null;
      if (cursor !== undefined && cursor !== '') {
        before = decodeCursor(cursor);
        if (before === null) {
          throw badRequest('The query parameter "cursor" is not a cursor this server gave out.', 'cursor');
        }
      }
      const { items, nextBefore } = await listSubmissions(repo, user, before, limit);
      const body: SubmissionPage = {
        items,
        nextCursor: nextBefore === null ? null : encodeCursor(nextBefore),
      };
      return reply.header('cache-control', 'private, no-cache').send(body);
    },
  );
}
