import type { FastifyError, FastifyInstance } from 'fastify';
import type { ServerSubmission, SubmissionPage, SubmissionPayload } from '../../shared/submission.js';
import { badRequest, megabytes, notFound, payloadTooLarge } from '../errors.js';
import type { Reference } from '../reference.js';
import { toServerSubmission, type Repository } from '../repository.js';
import { idParamsSchema, pageQuerySchema, submissionPayloadSchema } from '../schemas.js';
import { acceptSubmission } from '../submissions.js';

export interface SubmissionRoutesOptions {
  repo: Repository;
  reference: Reference;
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
    { bodyLimit: SUBMISSION_BODY_LIMIT, schema: { params: idParamsSchema, body: submissionPayloadSchema } },
    async (request, reply) => {
      if (request.body.id !== request.params.id) {
        throw badRequest(
          `The body's id ${request.body.id} is not the id in the URL (${request.params.id}).`,
          'id',
        );
      }
      const { status, receipt } = acceptSubmission(repo, reference, request.body);
      return reply.code(status).header('location', `/api/submissions/${receipt.id}`).send(receipt);
    },
  );

  fastify.get<{ Params: IdParams }>(
    '/submissions/:id',
    { schema: { params: idParamsSchema } },
    async (request, reply) => {
      const row = repo.getSubmission(request.params.id);
      if (!row) throw notFound(`The server has no submission ${request.params.id}.`);
      const body: ServerSubmission = toServerSubmission(row);
      return reply.header('cache-control', 'no-cache').send(body);
    },
  );

  fastify.get<{ Querystring: PageQuery }>(
    '/submissions',
    { schema: { querystring: pageQuerySchema } },
    async (request, reply) => {
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
      // One extra row tells whether an older page exists without a second query.
      const rows = repo.listSubmissions(before, limit + 1);
      const items = rows.slice(0, limit).map(toServerSubmission);
      const last = items[items.length - 1];
      const body: SubmissionPage = {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(last.receipt.seq) : null,
      };
      return reply.header('cache-control', 'no-cache').send(body);
    },
  );
}
