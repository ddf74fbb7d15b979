import type { FastifyInstance } from 'fastify';

/**
 * No inline scripts anywhere: the page is built by Vite into files, so 'self'
 * is enough. The base map's tile server is the one other origin: the map shows
 * its images, and the app and its worker fetch them to keep them offline.
 */
export function contentSecurityPolicy(tileOrigins: readonly string[] = []): string {
  const tiles = tileOrigins.map((o) => ` ${o}`).join('');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' blob: data:${tiles}`,
    "worker-src 'self' blob:",
    `connect-src 'self'${tiles}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

const HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The forms need the GPS and the camera; nothing else.
  'permissions-policy': 'geolocation=(self), camera=(self), microphone=()',
  'cross-origin-opener-policy': 'same-origin',
};

/** One year, as HSTS preload lists expect. */
const HSTS = 'max-age=31536000';

/**
 * The security headers every response carries, errors and 404s included,
 * even one written before Fastify sees the request (clientErrorHandler).
 * HSTS only over TLS: browsers ignore it on plain HTTP.
 */
export function securityHeaders(tls: boolean, tileOrigins: readonly string[] = []): Record<string, string> {
  const headers: Record<string, string> = {
    ...HEADERS,
    'content-security-policy': contentSecurityPolicy(tileOrigins),
  };
  if (tls) headers['strict-transport-security'] = HSTS;
  return headers;
}

/**
 * Adds the headers to every routed response. An onRequest hook rather than
 * onSend so they are in place even for replies that bypass serialization
 * (files, streams); errors raised before it runs get them from the error
 * handler.
 */
export function addSecurityHeaders(
  fastify: FastifyInstance,
  headers: Readonly<Record<string, string>>,
): void {
  fastify.addHook('onRequest', async (_request, reply) => {
    void reply.headers(headers);
  });
}
