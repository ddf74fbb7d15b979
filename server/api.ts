import type { FastifyInstance } from 'fastify';
import type { CurrentReference } from './current-reference.js';
import metaRoutes from './routes/meta.js';
import photoRoutes from './routes/photos.js';
import submissionRoutes from './routes/submissions.js';
import type { PhotoStore } from './storage/photo-store.js';
import type { Repository } from './storage/repository.js';

export interface ApiOptions {
  repo: Repository;
  photos: PhotoStore;
  /** The reference data every server sharing the database serves. */
  reference: CurrentReference;
  /** The server's version, reported by /api/health. */
  version: string;
}

/**
 * Every /api route, in one encapsulated context: a hook added here (for
 * example authentication on onRequest) guards the whole API and nothing
 * else, leaving the page app and its files public.
 */
export default async function api(fastify: FastifyInstance, opts: ApiOptions): Promise<void> {
  await fastify.register(metaRoutes, { reference: opts.reference, version: opts.version });
  await fastify.register(photoRoutes, { repo: opts.repo, photos: opts.photos });
  await fastify.register(submissionRoutes, { repo: opts.repo, reference: opts.reference });
}
