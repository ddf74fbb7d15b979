import type { FastifyInstance } from 'fastify';
import type { Health } from '../../shared/submission.js';
import { etagMatches } from '../etag.js';
import type { Reference } from '../reference.js';
import { apiErrors, health, notModified, referenceData } from '../response-schemas.js';

export interface MetaRoutesOptions {
  reference: Reference;
  version: string;
}

const healthSchema = { response: { 200: health, ...apiErrors() } };
const referenceSchema = { response: { 200: referenceData, 304: notModified, ...apiErrors() } };

/** GET /api/health and GET /api/reference. */
export default async function metaRoutes(fastify: FastifyInstance, opts: MetaRoutesOptions): Promise<void> {
  const { reference, version } = opts;

  // The app probes this to learn whether the server is reachable, so no cache may answer for it.
  fastify.get('/health', { schema: healthSchema }, async (_request, reply) => {
    const body: Health = { ok: true, version, time: new Date().toISOString() };
    return reply.header('cache-control', 'no-store').send(body);
  });

  // The body is serialized once at start-up and sent as that text: its schema documents it.
  fastify.get('/reference', { schema: referenceSchema }, async (request, reply) => {
    void reply.header('cache-control', 'no-cache').header('etag', reference.etag);
    if (etagMatches(request.headers['if-none-match'], reference.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(reference.json);
  });
}
