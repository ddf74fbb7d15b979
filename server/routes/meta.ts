import type { FastifyInstance } from 'fastify';
import type { Health } from '../../shared/submission.js';
import type { CurrentReference } from '../current-reference.js';
import { preferredEncoding } from '../encoded-body.js';
import { etagMatches } from '../etag.js';
import { apiErrors, health, notModified, referenceData } from '../response-schemas.js';

export interface MetaRoutesOptions {
  reference: CurrentReference;
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

  // The current revision, as recorded and compressed once: its schema documents the body.
  fastify.get('/reference', { schema: referenceSchema }, async (request, reply) => {
    const current = await reference.current();
    void reply
      .header('cache-control', 'no-cache')
      .header('etag', current.etag)
      .header('vary', 'accept-encoding');
    if (etagMatches(request.headers['if-none-match'], current.etag)) return reply.code(304).send();
    void reply.type('application/json; charset=utf-8');
    const encoding = preferredEncoding(request.headers['accept-encoding']);
    if (!encoding) return reply.send(current.json);
    return reply.header('content-encoding', encoding).send(await current.encoded(encoding));
  });
}
