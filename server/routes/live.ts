import type { FastifyInstance } from 'fastify';
import type { OutboxReport } from '../../shared/live.js';
import { stillSignedIn } from '../auth/sessions.js';
import { deviceOutboxList, eventStream, liveQueryString, outboxReportBody } from '../live-schemas.js';
import { LiveStream } from '../live-stream.js';
import { acceptOutboxReport, deviceOutboxes } from '../outbox-reports.js';
import { apiErrors } from '../response-schemas.js';
import { LiveReader, decodePosition } from '../review-live.js';
import { readReviewQuery, type ReviewQueryString } from '../review-query.js';
import type { Repository } from '../storage/repository.js';
import type { CurrentReference } from '../current-reference.js';
import { labelCodesFor } from '../label-search.js';
import { REVIEWERS } from '../auth/guard.js';

export interface LiveRoutesOptions {
  repo: Repository;
  clock: () => Date;
  /** For searching choice answers by their labels. */
  reference: CurrentReference;
}

const liveSchema = {
  querystring: liveQueryString,
  response: { 200: eventStream, ...apiErrors(400, 401, 403) },
};
const reportSchema = {
  body: outboxReportBody,
  response: { 204: { type: 'null' }, ...apiErrors(400, 401, 403, 415) },
};
const outboxesSchema = { response: { 200: deviceOutboxList, ...apiErrors(401, 403) } };

/** The review screen's live stream, and what devices report of their outboxes. */
export default async function liveRoutes(fastify: FastifyInstance, opts: LiveRoutesOptions): Promise<void> {
  const { repo, clock, reference } = opts;
  const streams = new Set<LiveStream>();

  // Open streams would keep the server from closing: they end first.
  fastify.addHook('preClose', async () => {
    for (const stream of streams) stream.close();
    await Promise.all([...streams].map((s) => s.settled()));
  });

  fastify.get<{ Querystring: ReviewQueryString & { after?: string } }>(
    '/review/live',
    // Compression would hold events back in its buffer.
    { config: REVIEWERS, schema: liveSchema, compress: false },
    async (request, reply) => {
      const { user, session } = await request.caller();
      if (!user || !session) throw new Error('The guard lets only signed-in reviewers here.');
      const query = readReviewQuery(user, request.query, await labelCodesFor(reference, request.query.q));
      // The browser's own reconnection says where it got to; a client starting afresh may say so in ?after.
      const lastId = request.headers['last-event-id'] ?? request.query.after;
      const position =
        typeof lastId === 'string' && lastId !== '' ? decodePosition(lastId) : await repo.livePosition();
      const stream = new LiveStream({
        reader: new LiveReader(repo, user, query, position),
        changes: repo.changes,
        recheck: () => stillSignedIn(repo, session.tokenHash, clock()),
        now: clock,
        log: (err) => request.log.error({ err }, 'The live review stream could not read.'),
      });
      streams.add(stream);
      reply.raw.on('close', () => {
        stream.close();
        streams.delete(stream);
      });
      stream.start();
      return (
        reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          // nginx passes each event on at once rather than buffer the response.
          .header('x-accel-buffering', 'no')
          .send(stream.body)
      );
    },
  );

  fastify.put<{ Body: OutboxReport }>(
    '/outbox',
    { config: { allow: ['device'] }, schema: reportSchema },
    async (request, reply) => {
      const { device } = await request.caller();
      if (!device) throw new Error('The guard lets only enrolled devices here.');
      await acceptOutboxReport(repo, device, request.body, clock());
      return reply.code(204).header('cache-control', 'no-store').send();
    },
  );

  fastify.get('/review/outboxes', { config: REVIEWERS, schema: outboxesSchema }, async (request, reply) => {
    const { user } = await request.caller();
    if (!user) throw new Error('The guard lets only signed-in reviewers here.');
    return reply.header('cache-control', 'no-store').send(await deviceOutboxes(repo, user));
  });
}
