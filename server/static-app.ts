import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from './errors.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/**
 * Serves the built page app from appDir. Files under assets/ carry a
 * content hash in their names and never change, so browsers may keep them
 * for a year; everything else (index.html, sw.js, the manifest) must be
 * revalidated, or an update would never reach the device. A missing
 * appDir is allowed (the API still works); the not-found handler then
 * says how to build the app.
 */
export async function registerStaticApp(fastify: FastifyInstance, appDir: string): Promise<void> {
  const assetsDir = join(appDir, 'assets') + sep;
  await fastify.register(fastifyStatic, {
    root: appDir,
    wildcard: true,
    index: ['index.html'],
    cacheControl: false,
    // Dotfiles (.env, .git) are never part of a build.
    dotfiles: 'deny',
    // /api/* is the API's own, even if a file of that name were in the build.
    allowedPath: (pathname) => !isApiPath(pathname),
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.startsWith(assetsDir) ? IMMUTABLE : REVALIDATE);
    },
  });
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * Answers requests that match no route and no file. Client-side routes
 * (/outbox, /drafts/<id>) get index.html so a reload or a shared link
 * opens the app; everything else, and all of /api, gets a JSON 404.
 */
export function notFoundHandler(appDir: string) {
  const indexFile = join(appDir, 'index.html');
  return async function handleNotFound(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const url = request.raw.url ?? '/';
    const page = (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(url);
    if (page && (acceptsHtml(request) || url === '/')) {
      if (existsSync(indexFile)) return reply.code(200).sendFile('index.html', appDir);
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send('Fieldsync: the app is not built yet. Run `npm run build`, then reload this page.\n');
    }
    throw notFound(
      isApiPath(url)
        ? `There is no API endpoint ${request.method} ${url.split('?')[0]}.`
        : `Nothing at ${url.split('?')[0]}.`,
    );
  };
}
