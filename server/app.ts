import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants } from 'node:zlib';
import compress from '@fastify/compress';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { tileOrigins, type BaseMapConfig } from '../shared/base-map.js';
import api from './api.js';
import { clientErrorHandler } from './client-errors.js';
import { openDatabase } from './db.js';
import { drainLimits } from './drain.js';
import { apiErrorHandler, type ErrorHandler } from './errors.js';
import { PROJECT_ROOT } from './paths.js';
import { PhotoStore } from './photo-store.js';
import { loadReference, publishReference } from './reference.js';
import { Repository } from './repository.js';
import { ajvFormats } from './schemas.js';
import { addSecurityHeaders, securityHeaders } from './security-headers.js';
import { notFoundHandler, registerStaticApp } from './static-app.js';

export interface AppOptions {
  /** Holds fieldsync.db and photos/; created when missing. */
  dataDir: string;
  /** Form definitions (*.json) and choice lists (lists/*.json). */
  formsDir: string;
  /** The built page app (index.html, sw.js, assets/); may be missing. */
  appDir: string;
  /** Largest photo upload accepted, in bytes. */
  photoMaxBytes: number;
  /** PEM certificate and key: serve HTTPS (and send HSTS). */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  /** The tile server of the map screen, sent with the reference data; none when omitted. */
  baseMap?: BaseMapConfig | null;
  /** Fastify's logger option; off when omitted. */
  logger?: FastifyServerOptions['logger'];
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
 * Builds the whole server, ready to listen or to take app.inject() calls:
 * reads and checks the forms directory (throwing FormsDirError when it is
 * broken), opens and migrates the database, records the form versions
 * published (FormsDirError again when a published one changed), prepares
 * the photo store.
 * Closing the instance closes the database.
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const loaded = loadReference(opts.formsDir);
  const photos = new PhotoStore(opts.dataDir, opts.photoMaxBytes);
  const db = openDatabase(opts.dataDir);
  const baseMap = opts.baseMap ?? null;
  const headers = securityHeaders(Boolean(opts.tls), baseMap ? tileOrigins(baseMap) : []);
  const errorHandler = apiErrorHandler({ headers, drain: drainLimits(opts.photoMaxBytes) });
  const fastify = createFastify(opts, headers, errorHandler);
  fastify.addHook('onClose', async () => {
    db.close();
  });
  try {
    await photos.init();
    const repo = new Repository(db);
    const reference = publishReference(loaded, repo, new Date(), baseMap);
    for (const warning of reference.warnings) fastify.log.warn(warning);

    addSecurityHeaders(fastify, headers);
    // Field networks are slow: the reference data (a 20,000-entry list is 1.4 MB
    // of JSON) and the app's scripts shrink to a fifth. Photos are already compressed.
    await fastify.register(compress, {
      global: true,
      threshold: 1024,
      encodings: ['br', 'gzip'],
      // Brotli's default (quality 11) takes seconds on 1.4 MB; 5 compresses nearly as well, fast.
      brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } },
    });
    fastify.setErrorHandler(errorHandler);
    fastify.setNotFoundHandler(notFoundHandler(opts.appDir));

    await fastify.register(api, { prefix: '/api', repo, photos, reference, version: readVersion() });
    await registerStaticApp(fastify, opts.appDir);
    if (!existsSync(join(opts.appDir, 'index.html'))) {
      fastify.log.warn(
        `${opts.appDir} has no index.html: the API works, the page app needs \`npm run build\`.`,
      );
    }
    await fastify.ready();
  } catch (err) {
    await fastify.close();
    throw err;
  }
  return fastify;
}
