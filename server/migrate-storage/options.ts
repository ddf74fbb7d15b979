import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import type { StoresConfig } from '../storage/stores.js';

/** A wrong argument: the message says which and what to write instead. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One side of the copy: its stores, and how to speak of them. */
export interface Side {
  flag: '--from' | '--to';
  config: StoresConfig;
  /** "PostgreSQL postgres://fieldsync@db:5432/fieldsync", "SQLite /srv/data/fieldsync.db" */
  records: string;
  /** "the bucket s3://photos/prod/", "the folder /srv/data/photos" */
  photos: string;
}

export interface MigrateOptions {
  from: Side;
  to: Side;
  verifyOnly: boolean;
  /** Photos copied or read back at once. */
  concurrency: number;
}

/** Any photo the source holds is copied, however large: the limit is the server's, for uploads. */
const NO_SIZE_LIMIT = Number.MAX_SAFE_INTEGER;

/** The settings a side may give, the server's own variables. */
const SIDE_SETTINGS = ['DATA_DIR', 'DATABASE_URL', 'PHOTO_STORE'];
/** For that side's bucket; a side that gives none of them uses the environment's, as the server does. */
const AWS_SETTINGS = [
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
];

export const HELP = `Copies everything a Fieldsync server keeps from one set of stores to
another: every submission with its receipt (id, time, seq), every photo's
record and bytes, every form version ever published. Then it checks the
copy: counts, every photo in the target re-hashed, every receipt compared.
The source is only read.

  npm run migrate-storage -- --from WHERE… --to WHERE… [--verify-only]

Name each side as you would configure the server on it, one setting per
--from or --to:
  DATA_DIR=dir             SQLite in dir/fieldsync.db, photos in dir/photos
  DATABASE_URL=postgres://user:password@host:5432/db
                           the records in PostgreSQL instead
  PHOTO_STORE=s3://bucket/prefix
                           the photos in an S3-compatible bucket instead
A bare value is read by its shape: postgres://… is DATABASE_URL, s3://…
is PHOTO_STORE, anything else a DATA_DIR. Each side must say where both its
records and its photos are: nothing falls back to ./data. A bucket is
reached with the usual AWS variables from the environment (AWS_ENDPOINT_URL_S3,
AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); a side may give its
own, e.g. --from AWS_ENDPOINT_URL_S3=…, to copy between two providers.

Examples:
  From a laptop's data directory into PostgreSQL and a bucket:
    export AWS_ENDPOINT_URL_S3=https://s3.example.org AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…
    npm run migrate-storage -- --from ./data \\
      --to postgres://fieldsync:secret@db.example.org/fieldsync --to s3://fieldsync-photos/prod

  Only the records into PostgreSQL, the photos staying in their folder:
    npm run migrate-storage -- --from DATA_DIR=./data \\
      --to DATABASE_URL=postgres://fieldsync:secret@localhost/fieldsync --to DATA_DIR=./data

  Check an earlier copy again, writing nothing:
    npm run migrate-storage -- --verify-only --from ./data --to postgres://… --to s3://…

Options:
  --verify-only      only compare the target with the source
  --concurrency N    photos copied or checked at once, 1 to 64 (default 6)
  --help             this text

Stop the server first: no server may run on the target while this runs,
and what a server still running on the source receives meanwhile is not
copied. (To keep the pause short, run it once while the old server still
runs, expecting its check to list what arrived meanwhile; then stop the
server and run it again: the second run copies only what is new.)

The target must be empty, or hold only what an earlier run of this same
copy wrote: anything else there (a row the source does not have, or has
otherwise) is refused before anything is written. Stopped half-way (Ctrl-C,
a crash, a lost connection)? Run the same command again: it goes on where it
stopped, and copies nothing twice. Relative paths are from the directory
you run it in.

Exit status: 0 copied (or checked) and the target matches the source;
1 refused, stopped, or differences found, each listed; 2 a wrong argument.`;

/** NAME=value, or a bare value named by its shape. */
function setting(flag: string, arg: string): [string, string] {
  const named = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(arg);
  if (named?.[1] !== undefined && named[2] !== undefined) {
    const [, name, value] = named;
    if (![...SIDE_SETTINGS, ...AWS_SETTINGS].includes(name))
      throw new UsageError(
        `${flag} ${name}=…: a side is named by ${SIDE_SETTINGS.join(', ')} (and for its bucket ${AWS_SETTINGS.join(', ')}).`,
      );
    return [name, value];
  }
  if (/^postgres(ql)?:\/\//.test(arg)) return ['DATABASE_URL', arg];
  if (arg.startsWith('s3://')) return ['PHOTO_STORE', arg];
  return ['DATA_DIR', arg];
}

/** postgres://user@host:port/db: the URL without its password, to print. */
function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.href;
}

/** What tells two stores apart: the same key on both sides means the same place. */
function placeKeys(config: StoresConfig, endpoint: string): { records: string; photos: string } {
  const db = config.databaseUrl ? new URL(config.databaseUrl) : null;
  const s3 = config.photoStore;
  return {
    records: db ? `postgres:${db.hostname}:${db.port || '5432'}${db.pathname}` : `sqlite:${config.dataDir}`,
    photos: s3 ? `s3:${endpoint}:${s3.bucket}/${s3.prefix}` : `folder:${config.dataDir}`,
  };
}

function side(
  flag: Side['flag'],
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): Side & { keys: { records: string; photos: string } } {
  const settings: Record<string, string> = {};
  for (const arg of args) {
    const [name, value] = setting(flag, arg);
    if (value.trim() === '') throw new UsageError(`${flag} ${name}= is empty.`);
    if (settings[name] !== undefined) throw new UsageError(`${flag} gives ${name} twice.`);
    settings[name] = value;
  }
  if (settings.DATA_DIR === undefined && settings.DATABASE_URL === undefined)
    throw new UsageError(
      `${flag} does not say where the records are: add ${flag} DATA_DIR=… (SQLite in DATA_DIR/fieldsync.db) or ${flag} DATABASE_URL=postgres://….`,
    );
  if (settings.DATA_DIR === undefined && settings.PHOTO_STORE === undefined)
    throw new UsageError(
      `${flag} does not say where the photos are: add ${flag} PHOTO_STORE=s3://bucket/prefix, or ${flag} DATA_DIR=… for the folder DATA_DIR/photos.`,
    );

  const fromEnv = Object.fromEntries(AWS_SETTINGS.map((name) => [name, env[name]]));
  let config: StoresConfig;
  try {
    // The server's own reading and checking of these variables.
    const loaded = loadConfig({ ...fromEnv, ...settings }, cwd);
    config = { ...loaded, photoMaxBytes: NO_SIZE_LIMIT };
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${flag}: ${err.problems.join(' ')}`);
    throw err;
  }
  const endpoint = settings.AWS_ENDPOINT_URL_S3 ?? settings.AWS_ENDPOINT_URL;
  const region = settings.AWS_REGION;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = settings;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw new UsageError(`${flag}: give both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither.`);
  if (config.photoStore) {
    config.photoStore.client = {
      ...config.photoStore.client,
      ...(endpoint !== undefined && { endpoint }),
      ...(region !== undefined && { region }),
      ...(accessKeyId !== undefined &&
        secretAccessKey !== undefined && { credentials: { accessKeyId, secretAccessKey } }),
    };
  }
  const s3 = config.photoStore;
  const shownEndpoint = endpoint ?? fromEnv.AWS_ENDPOINT_URL_S3 ?? fromEnv.AWS_ENDPOINT_URL;
  return {
    flag,
    config,
    records: config.databaseUrl
      ? `PostgreSQL ${withoutPassword(config.databaseUrl)}`
      : `SQLite ${join(config.dataDir, 'fieldsync.db')}`,
    photos: s3
      ? `the bucket s3://${s3.bucket}/${s3.prefix}${shownEndpoint ? ` at ${shownEndpoint}` : ''}`
      : `the folder ${join(config.dataDir, 'photos')}`,
    keys: placeKeys(config, shownEndpoint ?? 'aws'),
  };
}

/**
 * Reads the command line: the options, or null when --help asks for the
 * help text. Relative paths are taken from cwd: npm runs scripts in the
 * project root and says where it was started in INIT_CWD.
 */
export function parseOptions(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  cwd: string = env.INIT_CWD ?? process.cwd(),
): MigrateOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string', multiple: true },
        to: { type: 'string', multiple: true },
        'verify-only': { type: 'boolean' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return null;
  if (!values.from || !values.to)
    throw new UsageError(
      `Say where to copy from and to: --from … --to … (with npm run, after a --: npm run migrate-storage -- --from ./data --to …).`,
    );
  const concurrency = Number(values.concurrency ?? 6);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, not "${values.concurrency}".`);
  const from = side('--from', values.from, env, cwd);
  const to = side('--to', values.to, env, cwd);
  if (from.keys.records === to.keys.records && from.keys.photos === to.keys.photos)
    throw new UsageError(
      '--from and --to name the same records and the same photos: there is nothing to copy.',
    );
  const strip = ({ keys: _keys, ...rest }: typeof from): Side => rest;
  return { from: strip(from), to: strip(to), verifyOnly: values['verify-only'] ?? false, concurrency };
}
