/**
 * Builders shared by the server tests: a server on fresh stores of the
 * backend under test, photos, valid payloads.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe } from 'node:test';
import type { FastifyInstance, FastifyServerOptions, LightMyRequestResponse } from 'fastify';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../server/config.js';
import type { FormDef } from '../../shared/forms.js';
import type { GeoPoint, PhotoRef, PhotoType, SubmissionPayload } from '../../shared/submission.js';
import { buildApp, type AppOptions } from '../../server/app.js';
import {
  credentialHeaders,
  injectAsTestCallers,
  seedCredentials,
  sentByDeviceOf,
  TEST_HASH_COST,
  type TestCredentials,
} from './test-callers.js';
import { PROJECT_ROOT } from '../../server/paths.js';
import type { PhotoStore } from '../../server/storage/photo-store.js';
import type { Repository } from '../../server/storage/repository.js';
import {
  openRepository,
  openStores,
  type S3Location,
  type StoresConfig,
} from '../../server/storage/stores.js';
import { S3_TEST_CREDENTIALS } from './s3-credentials.js';

export * from './test-callers.js';

export const DEMO_FORMS_DIR = join(PROJECT_ROOT, 'server', 'demo-forms');
/** The shipped demo form "Water point inspection", version 1. */
export const demoForm = JSON.parse(
  readFileSync(join(DEMO_FORMS_DIR, 'water-point-inspection.v1.json'), 'utf8'),
) as FormDef;
/** The demo's list of sites, as the file holds it. */
export const demoSites = readFileSync(join(DEMO_FORMS_DIR, 'lists', 'sites.json'), 'utf8');

/** Version 2 of the demo form: one more question, and at most 10 people served. */
export const demoV2: FormDef = {
  ...demoForm,
  version: 2,
  fields: [
    ...demoForm.fields.map((f) => (f.name === 'people_served' ? { ...f, max: { value: 10 } } : f)),
    { name: 'pump_brand', type: 'text', label: 'Pump brand' },
  ],
};

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `fieldsync-server-test-${label}-`));
}

/** Writes form files into dir: each value a FormDef (written as JSON) or the file's text. */
export function writeForms(dir: string, files: Record<string, unknown>): void {
  for (const [name, def] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof def === 'string' ? def : JSON.stringify(def, null, 2));
  }
}

/**
 * A new forms directory with the given form files and choice lists (the
 * demo's sites unless given); the caller removes it.
 */
export function makeFormsDir(
  files: Record<string, unknown>,
  lists: Record<string, string> = { sites: demoSites },
): string {
  const dir = tempDir('forms');
  mkdirSync(join(dir, 'lists'));
  for (const [name, text] of Object.entries(lists)) writeFileSync(join(dir, 'lists', `${name}.json`), text);
  writeForms(dir, files);
  return dir;
}

/** makeFormsDir for a test file: the directories it makes are removed after the file's tests. */
export function formsDirMaker(): typeof makeFormsDir {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return (files, lists) => {
    const dir = makeFormsDir(files, lists);
    dirs.push(dir);
    return dir;
  };
}

/** What a server logged, from the level given up. */
export interface CapturedLog {
  /** The logger option to build the app with. */
  logger: FastifyServerOptions['logger'];
  /** The messages logged at warn. */
  warnings(): string[];
}

export function captureLog(level = 'info'): CapturedLog {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    logger: { level, stream },
    // pino's number for warn.
    warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg),
  };
}

/**
 * The backend the suite runs on: FIELDSYNC_TEST_BACKEND=sqlite (the
 * default: SQLite and the photo folder) or postgres (the stores several
 * instances share: the cluster at FIELDSYNC_TEST_POSTGRES_URL and the
 * bucket at FIELDSYNC_TEST_S3_ENDPOINT; see with-shared-stores.ts).
 */
export const TEST_BACKEND = process.env.FIELDSYNC_TEST_BACKEND ?? 'sqlite';
if (TEST_BACKEND !== 'sqlite' && TEST_BACKEND !== 'postgres')
  throw new Error(`FIELDSYNC_TEST_BACKEND must be sqlite or postgres, not "${TEST_BACKEND}".`);

/**
 * A suite about SQLite itself (its file, its migrations), declared only in
 * the SQLite pass: the caller's comment says why it has no PostgreSQL twin.
 */
export function sqliteSuite(name: string, fn: () => void): void {
  if (TEST_BACKEND === 'sqlite') describe(name, fn);
}

/** A suite about PostgreSQL itself (its settings, its migrations), declared only in the PostgreSQL pass. */
export function postgresSuite(name: string, fn: () => void): void {
  if (TEST_BACKEND === 'postgres') describe(name, fn);
}

/**
 * Where a server keeps what it receives: records in SQLite in dataDir or in
 * databaseUrl, photos in dataDir/photos or under a prefix of the bucket.
 */
export interface TestStore {
  dataDir: string;
  databaseUrl: string | null;
  photoStore: S3Location | null;
}

function testBucket(): { endpoint: string; bucket: string } {
  const endpoint = process.env.FIELDSYNC_TEST_S3_ENDPOINT;
  const bucket = process.env.FIELDSYNC_TEST_S3_BUCKET;
  if (!endpoint || !bucket)
    throw new Error(
      'The postgres backend runs through with-shared-stores.js, which sets FIELDSYNC_TEST_S3_*.',
    );
  return { endpoint, bucket };
}

/** A prefix of its own in the test bucket, as PHOTO_STORE=s3://bucket/prefix and the AWS variables give it. */
export function freshBucketPrefix(): S3Location {
  const { endpoint, bucket } = testBucket();
  return {
    bucket,
    prefix: `${randomUUID()}/`,
    client: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_TEST_CREDENTIALS },
  };
}

function postgresAdminUrl(): string {
  const url = process.env.FIELDSYNC_TEST_POSTGRES_URL;
  if (!url)
    throw new Error(
      'The postgres backend runs through with-postgres.js, which sets FIELDSYNC_TEST_POSTGRES_URL.',
    );
  return url;
}

async function onAdmin(sql: string): Promise<void> {
  // Loaded here, so that the SQLite pass does not load the PostgreSQL driver.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh temp data dir and, on PostgreSQL, a fresh empty database. */
export async function freshStore(label: string): Promise<TestStore> {
  const dataDir = tempDir(label);
  if (TEST_BACKEND === 'sqlite') return { dataDir, databaseUrl: null, photoStore: null };
  const name = `fieldsync_${randomUUID().replaceAll('-', '')}`;
  await onAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return { dataDir, databaseUrl: url.href, photoStore: freshBucketPrefix() };
}

/** Removes a store: its data dir, and its database once every connection to it has ended. */
export async function removeStore(store: TestStore): Promise<void> {
  rmSync(store.dataDir, { recursive: true, force: true });
  if (store.databaseUrl)
    await onAdmin(`DROP DATABASE IF EXISTS ${new URL(store.databaseUrl).pathname.slice(1)}`);
}

/** Reads a store's records through a repository of its own, as a server beside the one under test would. */
export async function readStore<T>(store: TestStore, read: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await openRepository(store);
  try {
    await repo.migrate();
    return await read(repo);
  } finally {
    await repo.close();
  }
}

/** The environment that points a server process at a store. */
export function storeEnv(store: TestStore): Record<string, string> {
  const env: Record<string, string> = { DATA_DIR: store.dataDir };
  if (store.databaseUrl) env.DATABASE_URL = store.databaseUrl;
  if (store.photoStore) {
    const { bucket, prefix, client } = store.photoStore;
    Object.assign(env, {
      PHOTO_STORE: `s3://${bucket}/${prefix}`,
      AWS_ENDPOINT_URL_S3: String(client?.endpoint),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    });
  }
  return env;
}

/** Credentials created in a store a server process will serve (credentialHeaders for its requests). */
export function storeCredentials(store: TestStore): Promise<TestCredentials> {
  return readStore(store, (repo) => seedCredentials(repo));
}

export interface TestServer extends TestStore {
  /** The app; its inject() acts as the test's device and administrator (injectAsTestCallers). */
  app: FastifyInstance;
  /** The app's photo store, for tests that look behind the API. */
  photos: PhotoStore;
  /** The app's repository, for tests that look behind the API. */
  repository: Repository;
  /** Whose cookies app.inject() carries; null when started without accounts. */
  credentials: TestCredentials | null;
  /** The headers a request from outside (fetch, a raw socket) needs to act as them. */
  headers: Record<string, string>;
  /** What a stored submission says of the device that sent it, the test's device. */
  sentBy: { deviceId: string; deviceName: string } | null;
  /** Closes the app and removes its store. */
  close(): Promise<void>;
}

/**
 * What a test may set: the app's options, a store to start on (as a
 * restart), the photo size limit; accounts: false for a server with no
 * administrator and no device, whose inject() carries nothing.
 */
export type TestServerOptions = Partial<Omit<AppOptions, 'stores'> & StoresConfig> & { accounts?: boolean };

/** The real app on fresh stores (or the store given), with the demo forms; no built page app unless given. */
export async function startTestServer(overrides: TestServerOptions = {}): Promise<TestServer> {
  const {
    dataDir,
    databaseUrl,
    photoStore,
    photoMaxBytes = 64 * 1024,
    accounts = true,
    ...options
  } = overrides;
  const store: TestStore =
    dataDir === undefined
      ? await freshStore('data')
      : { dataDir, databaseUrl: databaseUrl ?? null, photoStore: photoStore ?? null };
  let photos: PhotoStore | null = null;
  let repository: Repository | null = null;
  const app = await openStores({ ...store, photoMaxBytes })
    .then((stores) => {
      photos = stores.photos;
      repository = stores.repository;
      return buildApp({
        stores,
        formsDir: DEMO_FORMS_DIR,
        appDir: join(store.dataDir, 'no-app-here'),
        // Before the options: { passwordHashCost: undefined } gives the app's own default.
        passwordHashCost: TEST_HASH_COST,
        ...options,
      });
    })
    .catch(async (err: unknown) => {
      // Only a store made here: one the caller passed in is theirs to inspect.
      if (dataDir === undefined) await removeStore(store);
      throw err;
    });
  const credentials = accounts ? await injectAsTestCallers(app, repository!) : null;
  return {
    app,
    photos: photos!,
    repository: repository!,
    credentials,
    headers: credentials ? credentialHeaders(credentials) : {},
    sentBy: credentials && sentByDeviceOf(credentials),
    ...store,
    async close() {
      await app.close();
      await removeStore(store);
    },
  };
}

/**
 * Another server on the records and photos of the first, as a second
 * instance behind the same load balancer; closing it leaves them to the first.
 */
export async function startBeside(
  first: TestStore,
  overrides: Omit<TestServerOptions, 'dataDir' | 'databaseUrl' | 'photoStore'> = {},
): Promise<FastifyInstance> {
  const server = await startTestServer({
    ...overrides,
    dataDir: first.dataDir,
    databaseUrl: first.databaseUrl,
    photoStore: first.photoStore,
  });
  return server.app;
}

/** The real app listening on a free loopback port, for tests that need a real socket. */
export async function startListeningServer(
  overrides: TestServerOptions = {},
): Promise<TestServer & { port: number }> {
  const server = await startTestServer(overrides);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...server, port: (server.app.server.address() as AddressInfo).port };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const MAGIC: Record<PhotoType, Buffer> = {
  'image/jpeg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  'image/png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
  'image/webp': Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]),
};

/**
 * Bytes that pass the server's magic-number check for type, unique per
 * call. The server never decodes pixels, so real image data is not needed.
 */
export function fakePhoto(type: PhotoType = 'image/jpeg', size = 2048): Buffer {
  const magic = MAGIC[type];
  return Buffer.concat([magic, randomBytes(Math.max(0, size - magic.length))]);
}

export function photoRef(bytes: Buffer, type: PhotoType = 'image/jpeg', field = 'photos'): PhotoRef {
  return {
    sha256: sha256Hex(bytes),
    bytes: bytes.length,
    type,
    width: 1024,
    height: 768,
    field,
    geotag: null,
  };
}

export const HERE: GeoPoint = { lat: -0.15259, lon: 34.47897, accuracy: 8, time: '2026-11-20T09:30:00.000Z' };

/**
 * A payload the demo form accepts, answering every question, with the
 * given photos (their descriptions and their answer). Overrides replace
 * top-level properties; answers merge.
 */
export function validPayload(
  photos: PhotoRef[],
  overrides: Partial<Omit<SubmissionPayload, 'answers'>> & { answers?: SubmissionPayload['answers'] } = {},
): SubmissionPayload {
  const { answers, ...rest } = overrides;
  return {
    id: randomUUID(),
    formId: 'water-point-inspection',
    formVersion: 1,
    answers: {
      site: 'site_001',
      condition: 'needs_repair',
      flow_rate: 12.5,
      people_served: 120,
      notes: 'Handle is loose.',
      location: HERE,
      photos: photos.map((p) => p.sha256),
      ...answers,
    },
    location: HERE,
    photos,
    createdAt: '2026-11-20T09:31:00.000Z',
    deviceId: 'device-test-1',
    referenceVersion: null,
    ...rest,
  };
}

/** A household visit (the demo's other form) without photos. */
export function householdVisit(): SubmissionPayload {
  return {
    ...validPayload([]),
    formId: 'household-visit',
    answers: {
      village: 'vlg_00001',
      head_name: 'Achieng Odhiambo',
      members: 5,
      water_source: 'borehole',
      visit_date: '2026-11-20',
      location: HERE,
    },
  };
}

export function putPhoto(
  app: FastifyInstance,
  bytes: Buffer,
  contentType = 'image/jpeg',
  hash: string = sha256Hex(bytes),
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'PUT',
    url: `/api/photos/${hash}`,
    headers: { 'content-type': contentType },
    payload: bytes,
  });
}

export function putSubmission(
  app: FastifyInstance,
  payload: unknown,
  id: string = (payload as SubmissionPayload).id,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'PUT', url: `/api/submissions/${id}`, payload: payload as object });
}

/** Uploads fresh photos and returns a valid payload that uses them. */
export async function storedPhotosPayload(app: FastifyInstance, count = 1): Promise<SubmissionPayload> {
  const refs: PhotoRef[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = fakePhoto();
    const res = await putPhoto(app, bytes);
    if (res.statusCode !== 201) throw new Error(`photo upload answered ${res.statusCode}: ${res.body}`);
    refs.push(photoRef(bytes));
  }
  return validPayload(refs);
}

/** The problems loadConfig reports for env; empty when it accepts it. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
}

/** A promise and the function that resolves it: work that waits for a test's say-so. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
