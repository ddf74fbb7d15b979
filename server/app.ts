import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants } from 'node:zlib';
import compress from '@fastify/compress';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { tileOrigins, type BaseMapConfig } from '../shared/base-map.js';
import { DEFAULT_LATE_AFTER_HOURS, DEFAULT_PHOTO_FAR_METRES } from '../shared/review-flags.js';
import api from './api.js';
import { DEFAULT_HASH_COST } from './auth/passwords.js';
import { clientErrorHandler } from './client-errors.js';
import { CurrentReference } from './current-reference.js';
import { drainLimits } from './drain.js';
import { backfillFlags, type FlagSettings } from './flags.js';
import { BROTLI_QUALITY, ENCODINGS } from './encoded-body.js';
import { apiErrorHandler, type ErrorHandler } from './errors.js';
import { loadFormsDir } from './forms-dir.js';
import { PROJECT_ROOT } from './paths.js';
import { describeRevision, publishReference } from './reference.js';
import { ajvFormats } from './schemas.js';
import { addSecurityHeaders, securityHeaders } from './security-headers.js';
import { notFoundHandler, registerStaticApp } from './static-app.js';
import { closeStores, type Stores } from './storage/stores.js';
import { deferredCompilers } from './schema-compilers.js';

export interface AppOptions {
  /**
   * Where submissions and photos are kept, open and migrated (openStores).
   * The app owns them from here: closing it, or a failed build, closes them.
   */
  stores: Stores;
  /**
   * Form definitions (*.json) and choice lists (lists/*.json), published at
   * start-up for every server sharing the database.
   */
  formsDir: string;
  /** The built page app (index.html, sw.js, assets/); may be missing. */
  appDir: string;
  /** PEM certificate and key: serve HTTPS (and send HSTS). */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  /** The tile server of the map screen, sent with the reference data; none when omitted. */
  baseMap?: BaseMapConfig | null;
  /** Fastify's logger option; off when omitted. */
  logger?: FastifyServerOptions['logger'];
  /**
   * The address people and devices reach the server at (PUBLIC_URL), which
   * enrollment links start with; from each request when omitted.
   */
  publicUrl?: string | null;
  /** The time now, for sessions and one-time codes; the system clock when omitted. Tests drive it. */
  clock?: () => Date;
  /**
   * log2 of scrypt's N for new password hashes (PASSWORD_HASH_COST);
   * DEFAULT_HASH_COST when omitted. Only throwaway test servers go lower.
   */
  passwordHashCost?: number;
  /** When a submission is flagged for a second look; the defaults of shared/review-flags.ts when omitted. */
  flagLimits?: FlagSettings;
  /** Rows an export reads at a time; tests make it small to cross many pages. */
  exportPageSize?: number;
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

function createFastify(
  opts: AppOptions,
  headers: Readonly<Record<string, string>>,
  errorHandler: ErrorHandler,
): FastifyInstance {
  const options = {
    logger: opts.logger ?? false,
    // Requests from phones on a poor network may be slow, but not endless.
    requestTimeout: 10 * 60 * 1000,
    // Errors Fastify raises before routing (a URL that is not valid percent-encoding) get the same shape.
    frameworkErrors: errorHandler,
    // So do requests Node's HTTP parser refuses, which never reach Fastify.
    clientErrorHandler: clientErrorHandler(headers),
    schemaController: deferredCompilers,
    ajv: {
      // Fastify's defaults would silently drop unknown properties and turn
      // "1" into 1; a submission must arrive exactly as the device sent it.
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
        formats: ajvFormats,
      },
    },
  } satisfies FastifyServerOptions;
  if (opts.tls) return Fastify({ ...options, https: { cert: opts.tls.cert, key: opts.tls.key } });
  return Fastify(options);
}

/**
 * Builds the whole server on its stores, ready to listen or to take
 * app.inject() calls: reads and checks the forms directory (throwing
 * FormsDirError when it is broken), publishes it as the reference data of
 * every server sharing the database (FormsDirError again when a published
 * version changed), then serves whatever revision is current.
 * Closing the instance closes the stores.
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { stores } = opts;
  const baseMap = opts.baseMap ?? null;
  const headers = securityHeaders(Boolean(opts.tls), baseMap ? tileOrigins(baseMap) : []);
  const errorHandler = apiErrorHandler({ headers, drain: drainLimits(stores.photos.maxBytes) });
  let fastify: FastifyInstance;
  try {
    fastify = createFastify(opts, headers, errorHandler);
  } catch (err) {
    // A certificate Node cannot read, say: the stores are ours to close all the same.
    await closeStores(stores);
    throw err;
  }
  fastify.addHook('onClose', () => closeStores(stores));
  try {
    const published = await publishReference(loadFormsDir(opts.formsDir), stores.repository, { baseMap });
    for (const warning of published.warnings) fastify.log.warn(warning);
    const revision = describeRevision(published.reference);
    fastify.log.info(published.changed ? `Published ${revision}.` : `Serving ${revision}, unchanged.`);
    const reference = new CurrentReference(stores.repository, published, fastify.log);

    addSecurityHeaders(fastify, headers);
    // Field networks are slow: the app's scripts shrink to a fifth (the reference
    // data, 1.4 MB of JSON with a 20,000-entry list, is compressed once per revision
    // by its route). Photos are already compressed.
    await fastify.register(compress, {
      global: true,
      threshold: 1024,
      encodings: [...ENCODINGS],
      brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
    });
    fastify.setErrorHandler(errorHandler);
    fastify.setNotFoundHandler(notFoundHandler(opts.appDir));

    const flagSettings = opts.flagLimits ?? {
      photoFarMetres: DEFAULT_PHOTO_FAR_METRES,
      lateAfterHours: DEFAULT_LATE_AFTER_HOURS,
    };
    await fastify.register(api, {
      prefix: '/api',
      flagSettings,
      repo: stores.repository,
      photos: stores.photos,
      reference,
      version: readVersion(),
      clock: opts.clock,
      passwordCost: opts.passwordHashCost ?? DEFAULT_HASH_COST,
      publicOrigin: opts.publicUrl ? new URL(opts.publicUrl).origin : null,
      exportPageSize: opts.exportPageSize,
    });
    await registerStaticApp(fastify, opts.appDir);
    if (!existsSync(join(opts.appDir, 'index.html'))) {
      fastify.log.warn(
        `${opts.appDir} has no index.html: the API works, the page app needs \`npm run build\`.`,
      );
    }
    // Submissions received before flags existed get theirs once the server is up, without holding it back.
    let stopping = false;
    let backfill: Promise<void> = Promise.resolve();
    fastify.addHook('preClose', async () => {
      stopping = true;
      await backfill;
    });
    await fastify.ready();
    backfill = backfillFlags(stores.repository, reference, flagSettings, () => stopping).then(
      (n) => {
        if (n > 0) fastify.log.info(`Worked out the review flags of ${n} submissions received earlier.`);
      },
      (err: unknown) =>
        fastify.log.error({ err }, 'Could not work out the review flags of earlier submissions.'),
    );
  } catch (err) {
    await fastify.close();
    throw err;
  }
  return fastify;
}
