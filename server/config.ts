import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { MAX_TILE_ZOOM, tileTemplateProblems, type BaseMapConfig } from '../shared/base-map.js';
import { DEFAULT_LATE_AFTER_HOURS, DEFAULT_PHOTO_FAR_METRES } from '../shared/review-flags.js';
import { DEFAULT_HASH_COST, MAX_HASH_COST, MIN_HASH_COST } from './auth/passwords.js';
import type { FlagSettings } from './flags.js';
import { PROJECT_ROOT } from './paths.js';
import type { S3Location } from './storage/stores.js';

/** Connections a server opens to PostgreSQL at most when DATABASE_POOL_SIZE does not say. */
export const DEFAULT_POOL_SIZE = 10;

/** 15 MiB: a full-resolution phone photo fits; a video renamed .jpg does not. */
export const DEFAULT_PHOTO_MAX_BYTES = 15 * 1024 * 1024;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://… to keep records in PostgreSQL; null for SQLite in dataDir. */
  databaseUrl: string | null;
  /** The bucket for photos (PHOTO_STORE=s3://…); null for the folder DATA_DIR/photos. */
  photoStore: S3Location | null;
  /** Connections to PostgreSQL at most. */
  databasePoolSize: number;
  formsDir: string;
  appDir: string;
  photoMaxBytes: number;
  tls: { cert: Buffer; key: Buffer; certPath: string; keyPath: string } | null;
  logLevel: string;
  /** The tile server the map screen shows; null for points on a plain grid. */
  baseMap: BaseMapConfig | null;
  /**
   * The origin people and devices reach the server at (PUBLIC_URL), e.g.
   * https://fieldsync.example.org: enrollment links start with it. Null to
   * take it from each request.
   */
  publicUrl: string | null;
  /** log2 of scrypt's N for new password hashes (PASSWORD_HASH_COST); lower than the default only for test servers. */
  passwordHashCost: number;
  /** When a submission is flagged for a second look (REVIEW_PHOTO_FAR_METRES, REVIEW_LATE_AFTER_HOURS). */
  flagLimits: FlagSettings;
}

/** Configuration the server cannot start with; the message lists every problem. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration from environment variables. A value given in
 * the environment is relative to the current directory, like any path
 * typed in a shell; the defaults are relative to the project root, so
 * `npm start` works from anywhere.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const path = (name: string, fallback: string): string => {
    const v = value(name);
    if (v === undefined) return resolve(PROJECT_ROOT, fallback);
    return isAbsolute(v) ? v : resolve(cwd, v);
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, not "${v}".`);
      return fallback;
    }
    return Number(v);
  };

  const port = integer('PORT', 8080, 0, 65535);
  const flagLimits: FlagSettings = {
    photoFarMetres: integer('REVIEW_PHOTO_FAR_METRES', DEFAULT_PHOTO_FAR_METRES, 1, 1_000_000),
    lateAfterHours: integer('REVIEW_LATE_AFTER_HOURS', DEFAULT_LATE_AFTER_HOURS, 1, 100_000),
  };
  const passwordHashCost = integer('PASSWORD_HASH_COST', DEFAULT_HASH_COST, MIN_HASH_COST, MAX_HASH_COST);
  const photoMaxBytes = integer('PHOTO_MAX_BYTES', DEFAULT_PHOTO_MAX_BYTES, 1024, 1024 * 1024 * 1024);
  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}".`);

  let tls: Config['tls'] = null;
  const certPath = value('TLS_CERT');
  const keyPath = value('TLS_KEY');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    problems.push('Set both TLS_CERT and TLS_KEY (paths to PEM files) to serve HTTPS, or neither.');
  } else if (certPath !== undefined && keyPath !== undefined) {
    const read = (name: string, file: string): Buffer | null => {
      try {
        return readFileSync(resolve(cwd, file));
      } catch (err) {
        problems.push(`${name}: cannot read ${file} (${(err as Error).message}).`);
        return null;
      }
    };
    const cert = read('TLS_CERT', certPath);
    const key = read('TLS_KEY', keyPath);
    if (cert && key) tls = { cert, key, certPath: resolve(cwd, certPath), keyPath: resolve(cwd, keyPath) };
  }

  const databaseUrl = value('DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl))
    problems.push(
      'DATABASE_URL must be a postgres:// or postgresql:// URL, or unset for SQLite in DATA_DIR.',
    );
  const databasePoolSize = integer('DATABASE_POOL_SIZE', DEFAULT_POOL_SIZE, 1, 1000);
  if (databaseUrl === null && value('DATABASE_POOL_SIZE') !== undefined)
    problems.push('DATABASE_POOL_SIZE is for PostgreSQL: it needs DATABASE_URL.');

  const photoStore = s3Location(value('PHOTO_STORE'), env, problems);

  let baseMap: BaseMapConfig | null = null;
  const tileUrl = value('MAP_TILE_URL');
  const attribution = value('MAP_ATTRIBUTION');
  const maxZoom = integer('MAP_MAX_ZOOM', 19, 0, MAX_TILE_ZOOM);
  const subdomains = (value('MAP_TILE_SUBDOMAINS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (tileUrl !== undefined) {
    const before = problems.length;
    problems.push(...tileTemplateProblems(tileUrl, subdomains).map((p) => `MAP_TILE_URL: ${p}`));
    // Tile licences (OpenStreetMap's among them) require the credit on the map.
    if (attribution === undefined)
      problems.push("MAP_ATTRIBUTION must credit the tiles' source when MAP_TILE_URL is set.");
    if (problems.length === before && attribution !== undefined)
      baseMap = { tileUrl, attribution, maxZoom, subdomains };
  } else if (attribution !== undefined || subdomains.length > 0) {
    problems.push(
      "MAP_ATTRIBUTION and MAP_TILE_SUBDOMAINS need MAP_TILE_URL (the tile server's URL template).",
    );
  }

  const publicUrl = origin(value('PUBLIC_URL'), problems);

  const config: Config = {
    port,
    host: value('HOST') ?? '0.0.0.0',
    dataDir: path('DATA_DIR', 'data'),
    databaseUrl,
    photoStore,
    databasePoolSize,
    formsDir: path('FORMS_DIR', 'server/demo-forms'),
    appDir: path('APP_DIR', 'dist/app'),
    photoMaxBytes,
    tls,
    logLevel,
    baseMap,
    publicUrl,
    passwordHashCost,
    flagLimits,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** PUBLIC_URL=https://host[:port]: the origin of the address, or a problem. */
function origin(url: string | undefined, problems: string[]): string | null {
  if (url === undefined) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // Reported below.
  }
  if (
    !parsed ||
    !['http:', 'https:'].includes(parsed.protocol) ||
    parsed.pathname !== '/' ||
    parsed.search ||
    parsed.hash
  ) {
    problems.push(
      `PUBLIC_URL must be the address people open the server at, https://host or https://host:port with no path, not "${url}".`,
    );
    return null;
  }
  return parsed.origin;
}

/**
 * PHOTO_STORE=s3://bucket/prefix: photos in that bucket, under the prefix.
 * The SDK takes the endpoint (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL),
 * region and credentials from the usual AWS variables; an S3-compatible
 * store at its own endpoint (MinIO, Garage, Ceph) is addressed path-style.
 */
function s3Location(url: string | undefined, env: Env, problems: string[]): S3Location | null {
  if (url === undefined) return null;
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  const bucket = match?.[1];
  if (!match || bucket === undefined) {
    problems.push(
      `PHOTO_STORE must be s3://bucket or s3://bucket/prefix (a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens), or unset for the folder DATA_DIR/photos; not "${url}".`,
    );
    return null;
  }
  const path = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  const customEndpoint = Boolean(env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim());
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  return {
    bucket,
    prefix: path === '' ? '' : `${path}/`,
    client: {
      forcePathStyle: customEndpoint,
      // S3-compatible stores mostly ignore the region, but the SDK will not sign without one.
      ...(region ? {} : { region: 'us-east-1' }),
    },
  };
}
