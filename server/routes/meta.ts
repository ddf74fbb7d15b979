import type { FastifyInstance } from 'fastify';
import type { Health } from '../../shared/submission.js';
import type { Caller } from '../auth/guard.js';
import type { CurrentReference } from '../current-reference.js';
import { preferredEncoding } from '../encoded-body.js';
import { etagMatches } from '../etag.js';
import { apiErrors, health, notModified, referenceData } from '../response-schemas.js';
import { ScopedReferences } from '../scoped-reference.js';

export interface MetaRoutesOptions {
  reference: CurrentReference;
  version: string;
}

const healthSchema = { response: { 200: health, ...apiErrors() } };
const referenceSchema = { response: { 200: referenceData, 304: notModified, ...apiErrors(401) } };

/**
 * The forms the caller may see: a device's, a supervisor's, or every form
 * (null) for an administrator or anyone not limited; none without a
 * credential. A browser both enrolled and signed in sees what either may.
 */
export function formScope(caller: Caller): string[] | null {
  const scopes: (string[] | null)[] = [];
  if (caller.device) scopes.push(caller.device.formIds);
  if (caller.user) scopes.push(caller.user.role === 'admin' ? null : caller.user.formIds);
  const limited = scopes.filter((s) => s !== null);
  if (limited.length < scopes.length) return null;
  return [...new Set(limited.flat())];
}

/** GET /api/health and GET /api/reference. */
export default async function metaRoutes(fastify: FastifyInstance, opts: MetaRoutesOptions): Promise<void> {
  const { reference, version } = opts;
  const scopes = new ScopedReferences();

  // The app probes this to learn whether the server is reachable, so no cache may answer for it.
  fastify.get('/health', { config: { allow: 'anyone' }, schema: healthSchema }, async (_request, reply) => {
    const body: Health = { ok: true, version, time: new Date().toISOString() };
    return reply.header('cache-control', 'no-store').send(body);
  });

  // The current revision, as recorded and compressed once (or the caller's forms of it, made once):
  // its schema documents the body. Private: another caller may be shown other forms.
  const allow = ['device', 'supervisor', 'admin'] as const;
  fastify.get('/reference', { config: { allow }, schema: referenceSchema }, async (request, reply) => {
    const current = scopes.for(await reference.current(), formScope(await request.caller()));
    void reply
      .header('cache-control', 'private, no-cache')
      .header('etag', current.etag)
      .header('vary', 'accept-encoding');
    if (etagMatches(request.headers['if-none-match'], current.etag)) return reply.code(304).send();
    void reply.type('application/json; charset=utf-8');
    const encoding = preferredEncoding(request.headers['accept-encoding']);
    if (!encoding) return reply.send(current.json);
    return reply.header('content-encoding', encoding).send(await current.encoded(encoding));
  });
}
