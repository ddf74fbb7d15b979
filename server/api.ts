import cookie from '@fastify/cookie';
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { guardApi } from './auth/guard.js';
import type { CurrentReference } from './current-reference.js';
import { rateLimited } from './errors.js';
import type { FlagSettings } from './flags.js';
import accountRoutes from './routes/accounts.js';
import deviceRoutes from './routes/devices.js';
import liveRoutes from './routes/live.js';
import exportRoutes from './routes/exports.js';
import reviewRoutes from './routes/reviews.js';
import metaRoutes from './routes/meta.js';
import photoRoutes from './routes/photos.js';
import submissionRoutes from './routes/submissions.js';
import bundleRoutes from './routes/bundles.js';
import userRoutes from './routes/users.js';
import type { PhotoStore } from './storage/photo-store.js';
import type { Repository } from './storage/repository.js';

export interface ApiOptions {
  repo: Repository;
  photos: PhotoStore;
  /** The reference data every server sharing the database serves. */
  reference: CurrentReference;
  /** The server's version, reported by /api/health. */
  version: string;
  /** The time now; tests drive it to expire sessions and codes. */
  clock?: () => Date;
  /** log2 of scrypt's N for new password hashes (PASSWORD_HASH_COST). */
  passwordCost: number;
  /** PUBLIC_URL's origin (https://fieldsync.example.org), when set. */
  publicOrigin?: string | null;
  /** When a submission is flagged for a second look. */
  flagSettings: FlagSettings;
  /** Rows an export reads at a time; its default unless a test crosses pages with fewer. */
  exportPageSize?: number;
}

/** Tries per minute from one address at each door that takes a secret (sign-in, set-up, enrollment). */
export const DOOR_TRIES_PER_MINUTE = 10;

/**
 * The per-address brake on the doors, each route with config.rateLimit
 * counting apart, in this process's memory (docs/accounts.md says why that
 * is enough). Refusals keep the API's error shape and Retry-After, without
 * the library's other headers.
 */
const doorLimits = {
  global: false,
  // Each address as Fastify sees it (the library's default counts an IPv6 /64 as one).
  keyGenerator: (request) => request.ip,
  addHeaders: {
    'x-ratelimit-limit': false,
    'x-ratelimit-remaining': false,
    'x-ratelimit-reset': false,
    'retry-after': false,
  },
  addHeadersOnExceeding: {
    'x-ratelimit-limit': false,
    'x-ratelimit-remaining': false,
    'x-ratelimit-reset': false,
  },
  errorResponseBuilder: (_request, { ttl }) =>
    rateLimited(
      `Too many tries from this address: wait ${Math.ceil(ttl / 1000)} seconds, then try again.`,
      ttl,
    ),
} satisfies RateLimitPluginOptions;

/**
 * Every /api route, in one encapsulated context guarded as a whole
 * (server/auth/guard.ts): each route says who may call it, the caller is
 * resolved from the cookies once per request, and requests that change
 * something must come from the app. The page app and its files stay public.
 */
export default async function api(fastify: FastifyInstance, opts: ApiOptions): Promise<void> {
  const { repo } = opts;
  const clock = opts.clock ?? (() => new Date());
  const publicOrigin = opts.publicOrigin ?? null;
  // Unsigned: the cookies are random secrets whose hashes the database holds.
  // Registered first, so its onRequest hook has parsed them before the guard's runs.
  await fastify.register(cookie);
  guardApi(fastify, { repo, clock, publicOrigin });
  await fastify.register(rateLimit, doorLimits);
  await fastify.register(metaRoutes, { reference: opts.reference, version: opts.version });
  await fastify.register(accountRoutes, {
    repo,
    clock,
    passwordCost: opts.passwordCost,
    door: { max: DOOR_TRIES_PER_MINUTE, timeWindow: 60 * 1000 },
  });
  await fastify.register(deviceRoutes, { repo, clock, publicOrigin });
  await fastify.register(userRoutes, { repo, clock, passwordCost: opts.passwordCost });
  await fastify.register(photoRoutes, { repo, photos: opts.photos });
  await fastify.register(submissionRoutes, {
    repo,
    reference: opts.reference,
    flagSettings: opts.flagSettings,
  });
  await fastify.register(bundleRoutes, {
    repo,
    photos: opts.photos,
    reference: opts.reference,
    flagSettings: opts.flagSettings,
  });
  await fastify.register(reviewRoutes, { repo, clock, reference: opts.reference });
  await fastify.register(liveRoutes, { repo, clock, reference: opts.reference });
  await fastify.register(exportRoutes, {
    repo,
    photos: opts.photos,
    reference: opts.reference,
    clock,
    publicOrigin,
    pageSize: opts.exportPageSize,
  });
}
