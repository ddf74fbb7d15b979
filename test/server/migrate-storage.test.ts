/**
 * `npm run migrate-storage`, run as an operator runs it (the built command,
 * as a child process): from SQLite and the photo folder to the stores of
 * this pass, another SQLite and folder, or PostgreSQL and a bucket.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { canonicalPayload } from '../../shared/canonical.js';
import type { FormDef, ReferenceData } from '../../shared/forms.js';
import type { ReviewEvent, ReviewState } from '../../shared/review.js';
import type { PhotoRef, Receipt, ServerSubmission, SubmissionPayload } from '../../shared/submission.js';
import { submissionHash } from '../../server/canonical.js';
import { PROJECT_ROOT } from '../../server/paths.js';
import type {
  PhotoRecord,
  PublishedForm,
  ReferenceRevision,
  Repository,
  StoredSubmission,
} from '../../server/storage/repository.js';
import { closeStores, openStores, type Stores } from '../../server/storage/stores.js';
import {
  credentialHeaders,
  DEMO_FORMS_DIR,
  demoForm,
  fakePhoto,
  freshStore,
  householdVisit,
  photoRef,
  postgresSuite,
  putPhoto,
  putSubmission,
  readStore,
  removeStore,
  sentByDeviceOf,
  sha256Hex,
  startTestServer,
  storeEnv,
  TEST_BACKEND,
  tempDir,
  validPayload,
  type TestCredentials,
  type TestStore,
} from './helpers.js';
import { parseOptions } from '../../server/migrate-storage/options.js';
import { probePhotoStore } from './photo-store-probe.js';
import { startServerProcess } from './process.js';

const CLI = join(PROJECT_ROOT, 'dist', 'server', 'server', 'migrate-storage', 'cli.js');
const TARGET = TEST_BACKEND === 'sqlite' ? 'another SQLite and folder' : 'PostgreSQL and a bucket';

interface Finished {
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/** The command under way: its output so far, the moment it prints something, its end. */
interface Running {
  child: ChildProcess;
  /** Resolves with the first match of pattern in what it has printed; rejects if it ends first. */
  printed(pattern: RegExp): Promise<RegExpExecArray>;
  finished: Promise<Finished>;
}

function startCommand(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // A safety net against a hung command, far beyond any run here.
  const limit = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code: code ?? signal, stdout, stderr });
    }),
  );
  const printed = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const look = (): void => {
        const match = pattern.exec(stdout);
        if (!match) return;
        child.stdout.off('data', look);
        resolve(match);
      };
      child.stdout.on('data', look);
      look();
      void finished.then(({ code }) =>
        reject(
          new Error(`The command ended (${String(code)}) before printing ${pattern}:\n${stdout}${stderr}`),
        ),
      );
    });
  return { child, printed, finished };
}

const runCommand = (args: string[], env?: Record<string, string>): Promise<Finished> =>
  startCommand(args, env).finished;

/** A side as the server's variables name it, every one of them on the command line. */
function side(flag: '--from' | '--to', store: TestStore): string[] {
  return Object.entries(storeEnv(store)).flatMap(([name, value]) => [flag, `${name}=${value}`]);
}

/** SQLite and the photo folder in a fresh temp dir: the laptop an operator starts on. */
function laptopStore(label: string): TestStore {
  return { dataDir: tempDir(label), databaseUrl: null, photoStore: null };
}

const number = (text: string | undefined): number => Number((text ?? '').replaceAll(',', ''));

async function everyPhoto(repo: Repository): Promise<PhotoRecord[]> {
  const all: PhotoRecord[] = [];
  for (let page = await repo.listPhotos(null, 100); page.length > 0;) {
    all.push(...page);
    page = await repo.listPhotos(page[page.length - 1]!.sha256, 100);
  }
  return all;
}

async function everySubmission(repo: Repository): Promise<StoredSubmission[]> {
  const all: StoredSubmission[] = [];
  for (let before: number | null = null; ;) {
    const page = await repo.listSubmissions(before, 500);
    all.push(...page.items);
    if (page.nextBefore === null) return all;
    before = page.nextBefore;
  }
}

/** Everything a repository holds, to compare two. */
async function records(store: TestStore): Promise<{
  photos: PhotoRecord[];
  forms: PublishedForm[];
  revisions: ReferenceRevision[];
  submissions: StoredSubmission[];
  reviews: ReviewEvent[];
  states: (ReviewState | undefined)[];
}> {
  return readStore(store, async (repo) => {
    const submissions = await everySubmission(repo);
    const revisions: ReferenceRevision[] = [];
    const head = await repo.currentReferenceHead();
    for (let r = 1; r <= (head?.revision ?? 0); r++) revisions.push((await repo.getReferenceRevision(r))!);
    return {
      photos: await everyPhoto(repo),
      forms: await repo.listPublishedForms(),
      revisions,
      submissions,
      reviews: await repo.reviewEventsAfter(0, 1000),
      states: await Promise.all(submissions.map((sub) => repo.getReviewState(sub.receipt.id))),
    };
  });
}

/** A fingerprint of every file under dir, to show that nothing there changed. */
function filesUnder(dir: string, ignore: RegExp): Record<string, string> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !ignore.test(e.name))
    .map((e) => join(e.parentPath, e.name));
  return Object.fromEntries(
    entries.map((f) => [f, createHash('sha256').update(readFileSync(f)).digest('hex')]),
  );
}

/** The payload as the device sent it, without the receipt the server added. */
function payloadOf({ receipt, sentBy, ...payload }: ServerSubmission): SubmissionPayload {
  void receipt;
  void sentBy;
  return payload;
}

/** Version 2 of the demo form, which the target's server will not have in its forms directory. */
const demoV2: FormDef = { ...demoForm, version: 2, title: 'Water point inspection (revised)' };

/** What the source's server answered for its rows, to ask the target's server the same. */
interface SourceRows {
  submissions: ServerSubmission[];
  photos: Map<string, Buffer>;
  store: TestStore;
  /** The laptop's device and administrator, which the copy carries. */
  credentials: TestCredentials;
}

/**
 * A laptop's data dir filled through the server: photos (one no
 * submission uses), submissions with and without photos, on the demo forms
 * and on a version 2 that the target's server will have withdrawn.
 */
async function filledLaptop(): Promise<SourceRows> {
  const store = laptopStore('laptop');
  const formsDir = join(store.dataDir, 'forms');
  cpSync(DEMO_FORMS_DIR, formsDir, { recursive: true });
  writeFileSync(join(formsDir, 'water-point-inspection.v2.json'), JSON.stringify(demoV2));
  const server = await startTestServer({ ...store, formsDir });
  const photos = new Map<string, Buffer>();
  const upload = async (count: number): Promise<PhotoRef[]> => {
    const refs: PhotoRef[] = [];
    for (let i = 0; i < count; i++) {
      const bytes = fakePhoto('image/jpeg', 3000 + i);
      assert.equal((await putPhoto(server.app, bytes)).statusCode, 201);
      photos.set(sha256Hex(bytes), bytes);
      refs.push(photoRef(bytes));
    }
    return refs;
  };
  const payloads = [
    validPayload(await upload(2)),
    householdVisit(),
    validPayload(await upload(1), { formVersion: 2 }),
    validPayload(await upload(1)),
    householdVisit(),
  ];
  await upload(1);
  const submissions: ServerSubmission[] = [];
  for (const payload of payloads) {
    const put = await putSubmission(server.app, payload);
    assert.equal(put.statusCode, 201, put.body);
    const got = await server.app.inject({ method: 'GET', url: `/api/submissions/${payload.id}` });
    submissions.push(got.json<ServerSubmission>());
  }
  // Reviews, as the administrator (app.inject's default): a change with a comment, a change, a comment.
  for (const [id, body] of [
    [payloads[0]!.id, { state: 'rejected', comment: 'The photo shows another pump.' }],
    [payloads[1]!.id, { state: 'approved' }],
    [payloads[1]!.id, { comment: 'Checked with the village head.' }],
  ] as const) {
    const review = await server.app.inject({
      method: 'POST',
      url: `/api/submissions/${id}/reviews`,
      payload: body,
    });
    assert.equal(review.statusCode, 201, review.body);
  }
  await server.app.close();
  return { submissions, photos, store, credentials: server.credentials! };
}

/**
 * A laptop's data dir filled through its stores, as the server fills them
 * but without HTTP: many photos, and many submissions each using one.
 */
async function bigLaptop(photoCount: number, submissionCount: number): Promise<TestStore> {
  const store = laptopStore('big-laptop');
  const stores = await openStores({ ...store, photoMaxBytes: 64 * 1024 });
  try {
    const refs: PhotoRef[] = [];
    for (let i = 0; i < photoCount; i++) {
      const bytes = fakePhoto('image/jpeg', 4096);
      const ref = photoRef(bytes);
      const received = await stores.photos.receive(Readable.from([bytes]), ref.sha256);
      assert.equal(received.kind, 'received');
      await received.pending.commit();
      refs.push(ref);
    }
    const createdAt = new Date().toISOString();
    await stores.repository.withTransaction(async (tx) => {
      for (const { sha256, bytes, type } of refs) await tx.insertPhoto({ sha256, bytes, type, createdAt });
      for (let i = 0; i < submissionCount; i++) {
        const payload = canonicalPayload(validPayload([refs[i % refs.length]!]));
        const receivedAt = new Date(Date.parse(createdAt) + i).toISOString();
        await tx.insertSubmission({
          payload,
          contentHash: submissionHash(payload),
          receivedAt,
          sentBy: null,
        });
      }
    });
  } finally {
    await closeStores(stores);
  }
  return store;
}

describe(`moving the stores: SQLite and folder → ${TARGET}`, () => {
  const stores: TestStore[] = [];
  /** A store to copy into, removed after the suite. */
  const fresh = async (label: string): Promise<TestStore> => {
    const store = await freshStore(label);
    stores.push(store);
    return store;
  };
  let laptop: SourceRows;
  before(async () => {
    laptop = await filledLaptop();
    stores.push(laptop.store);
  });
  after(() => Promise.all(stores.map(removeStore)));

  it('copies every row and photo, and the server on the copy answers as the old one did', async () => {
    const target = await fresh('moved');
    const untouched = filesUnder(laptop.store.dataDir, /-(shm|wal)$/);
    // As the README shows it: bare values, the bucket's credentials in the environment.
    const to =
      target.databaseUrl && target.photoStore
        ? ['--to', target.databaseUrl, '--to', storeEnv(target).PHOTO_STORE!]
        : ['--to', target.dataDir];
    const { AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = storeEnv(target);
    const aws = Object.fromEntries(
      Object.entries({ AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as Record<string, string>;
    const run = await runCommand(['--from', laptop.store.dataDir, ...to], aws);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /The source holds 5 photos \(.*\), 4 form versions, 1 reference data revisions, 5 submissions, 3 review events\./,
    );
    assert.match(run.stdout, /reference data +1 copied, 0 already there/);
    assert.match(run.stdout, /submissions +5 copied, 0 already there/);
    assert.match(run.stdout, /review events +3 copied, 0 already there/);
    assert.match(run.stdout, /Verified in .*: the target holds the source's 5 photos/);
    assert.deepEqual(filesUnder(laptop.store.dataDir, /-(shm|wal)$/), untouched, 'the source is only read');

    // Every published version, the withdrawn one too, with the time it was first published;
    // every revision of the reference data, which submissions name.
    const [from, to_] = [await records(laptop.store), await records(target)];
    assert.deepEqual(to_, from);
    assert.equal(from.revisions.length, 1);
    assert.equal(from.reviews.length, 3);
    assert.deepEqual(from.states.filter((st) => st !== 'received').sort(), ['approved', 'rejected']);
    assert.deepEqual(
      from.forms.map((f) => [f.formId, f.version]),
      [
        ['household-visit', 1],
        ['visitor-registration', 1],
        ['water-point-inspection', 1],
        ['water-point-inspection', 2],
      ],
    );

    const server = await startServerProcess({ ...storeEnv(target), APP_DIR: join(target.dataDir, 'no-app') });
    // The laptop's device and administrator moved too: their cookies work on the new server.
    const headers = credentialHeaders(laptop.credentials);
    try {
      for (const held of laptop.submissions) {
        const got = await fetch(`${server.url}/api/submissions/${held.id}`, { headers });
        assert.deepEqual(await got.json(), held);
      }
      for (const [sha256, bytes] of laptop.photos) {
        const got = await fetch(`${server.url}/api/photos/${sha256}`, { headers });
        assert.equal(got.status, 200);
        assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes));
      }
      const reference = (await (
        await fetch(`${server.url}/api/reference`, { headers })
      ).json()) as ReferenceData;
      const v2 = reference.forms.find((f) => f.id === demoV2.id && f.version === 2);
      assert.equal(v2?.withdrawn, true, 'version 2 is not in the new forms directory, but was published');

      // A device that never got its receipt sends again: the receipt it would have had.
      const { receipt, sentBy, ...payload } = laptop.submissions[2]!;
      assert.deepEqual(sentBy, sentByDeviceOf(laptop.credentials));
      const resend = await fetch(`${server.url}/api/submissions/${payload.id}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      assert.equal(resend.status, 200);
      assert.deepEqual(await resend.json(), receipt);

      const next = householdVisit();
      const put = await fetch(`${server.url}/api/submissions/${next.id}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(next),
      });
      assert.equal(put.status, 201);
      const highest = Math.max(...laptop.submissions.map((s) => s.receipt.seq));
      assert.ok(
        ((await put.json()) as Receipt).seq > highest,
        'a new submission comes after every moved one',
      );
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('copies back the other way, into SQLite and a folder', async () => {
    const target = await fresh('there');
    const back = laptopStore('back');
    stores.push(back);
    assert.equal((await runCommand([...side('--from', laptop.store), ...side('--to', target)])).code, 0);
    const run = await runCommand([...side('--from', target), ...side('--to', back)]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await records(back), await records(laptop.store));
  });

  it('refuses a target holding rows of its own, writing nothing', async () => {
    const target = await fresh('taken');
    const server = await startTestServer({ ...target });
    // The same photos, and a submission under a moved id with other answers, and one of its own.
    const [first] = laptop.submissions;
    const firstPayload = payloadOf(first!);
    for (const ref of firstPayload.photos) await putPhoto(server.app, laptop.photos.get(ref.sha256)!);
    const changed = {
      ...firstPayload,
      answers: { ...firstPayload.answers, notes: 'Changed on the new server.' },
    };
    assert.equal((await putSubmission(server.app, changed)).statusCode, 201);
    const own = householdVisit();
    assert.equal((await putSubmission(server.app, own)).statusCode, 201);
    const probe = probePhotoStore(server);
    await server.app.close();
    const held = await records(target);

    const run = await runCommand([...side('--from', laptop.store), ...side('--to', target)]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /Refused: .*Nothing was written/);
    assert.match(run.stdout, new RegExp(`submission ${first!.id} \\(seq \\d+\\): the target's differs`));
    assert.match(run.stdout, new RegExp(`submission ${own.id} \\(seq \\d+\\): in the target`));
    assert.deepEqual(await records(target), held);
    const notSent = [...laptop.photos.keys()].filter((h) => !firstPayload.photos.some((p) => p.sha256 === h));
    for (const sha256 of notSent) assert.equal(await probe.read(sha256), null);
  });

  it('reports a photo damaged or lost in the target with --verify-only, writing nothing', async () => {
    const target = await fresh('damaged');
    const args = [...side('--from', laptop.store), ...side('--to', target)];
    assert.equal((await runCommand(args)).code, 0);
    const good = await runCommand(['--verify-only', ...args]);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /Verified/);
    assert.doesNotMatch(good.stdout, /copying/);

    const [damaged, lost] = [...laptop.photos.keys()];
    const opened: Stores = await openStores({ ...target, photoMaxBytes: 64 * 1024 });
    try {
      const probe = probePhotoStore({ photos: opened.photos, photoStore: target.photoStore });
      await probe.plant(damaged!, fakePhoto('image/jpeg', 1000));
      await probe.lose(lost!);
    } finally {
      await closeStores(opened);
    }
    const bad = await runCommand(['--verify-only', ...args]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /does not match the source \(2 problems\)/);
    assert.match(
      bad.stdout,
      new RegExp(`photo ${damaged}: the target's photo store holds 1000 bytes hashing to`),
    );
    assert.match(
      bad.stdout,
      new RegExp(`photo ${lost}: recorded, but the target's photo store has no bytes`),
    );
  });

  it('copies what it can of a source that lost a photo, listing the photo and the submissions needing it', async () => {
    const broken = await bigLaptop(3, 6);
    stores.push(broken);
    const [lost] = await readStore(broken, everyPhoto);
    rmSync(join(broken.dataDir, 'photos', lost!.sha256.slice(0, 2), lost!.sha256.slice(2)));
    const target = await fresh('partial');

    const run = await runCommand([...side('--from', broken), ...side('--to', target)]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /photos +2 copied/);
    assert.match(run.stdout, /submissions +4 copied/);
    assert.match(
      run.stdout,
      new RegExp(`photo ${lost!.sha256}: recorded, but the source's photo store has no bytes`),
    );
    assert.match(run.stdout, /Nor were the 2 submissions that need them:/);
    assert.match(run.stdout, /Put those photos back in the source/);
    const copied = await records(target);
    assert.equal(copied.submissions.length, 4);
    assert.ok(copied.submissions.every((s) => s.payload.photos.every((p) => p.sha256 !== lost!.sha256)));
  });

  it('finishes the copy when run again after being killed, however often', async () => {
    const [photoCount, submissionCount] = [200, 2000];
    const big = await bigLaptop(photoCount, submissionCount);
    stores.push(big);
    const target = await fresh('killed');
    const args = [...side('--from', big), ...side('--to', target), '--concurrency', '2'];

    // Killed while copying photos, once some are in.
    const first = startCommand(args);
    await first.printed(/copying photos: [1-9]/);
    first.child.kill('SIGKILL');
    assert.equal((await first.finished).code, 'SIGKILL');
    const photosIn = await readStore(target, async (repo) => (await everyPhoto(repo)).length);
    assert.ok(photosIn > 0 && photosIn < photoCount, `${photosIn} photos in after the first run`);

    // Killed again while copying submissions, once some are in.
    const second = startCommand(args);
    await second.printed(/copying submissions: [1-9]/);
    second.child.kill('SIGKILL');
    assert.equal((await second.finished).code, 'SIGKILL');
    const submissionsIn = await readStore(target, async (repo) => (await everySubmission(repo)).length);
    assert.ok(
      submissionsIn > 0 && submissionsIn < submissionCount,
      `${submissionsIn} submissions in after the second run`,
    );

    const last = await runCommand(args);
    assert.equal(last.code, 0, last.stdout + last.stderr);
    const copied = /submissions +([\d,]+) copied, ([\d,]+) already there/.exec(last.stdout);
    assert.equal(number(copied?.[1]), submissionCount - submissionsIn);
    assert.equal(number(copied?.[2]), submissionsIn);
    assert.match(last.stdout, /photos +0 copied, 200 already there \(0 bytes written\)/);
    assert.match(
      last.stdout,
      /Verified in .*: the target holds the source's 200 photos .* 2,000 submissions/,
    );
    const [from, to] = [await records(big), await records(target)];
    assert.equal(to.submissions.length, submissionCount);
    assert.deepEqual(
      to.submissions.map((s) => [s.receipt, s.contentHash]),
      from.submissions.map((s) => [s.receipt, s.contentHash]),
    );
  });
});

// Only PostgreSQL can take the records while the photos stay in the folder:
// SQLite's file and the folder are both DATA_DIR's.
postgresSuite('moving only the records: SQLite → PostgreSQL, the photos staying in their folder', () => {
  it('records every photo in PostgreSQL and writes no byte', async () => {
    const laptop = await bigLaptop(20, 50);
    const target = await freshStore('records-only');
    try {
      const photos = filesUnder(join(laptop.dataDir, 'photos'), /^$/);
      const run = await runCommand([
        '--from',
        laptop.dataDir,
        '--to',
        `DATA_DIR=${laptop.dataDir}`,
        '--to',
        target.databaseUrl!,
      ]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /To: +PostgreSQL .*, photos in the folder /);
      assert.match(run.stdout, /photos +20 copied, 0 already there \(0 bytes written\)/);
      assert.match(run.stdout, /Verified/);
      assert.deepEqual(filesUnder(join(laptop.dataDir, 'photos'), /^$/), photos);
      const moved = { ...target, dataDir: laptop.dataDir, photoStore: null };
      assert.deepEqual(await records(moved), await records(laptop));
    } finally {
      await removeStore(target);
      await removeStore(laptop);
    }
  });
});

describe('the migrate-storage command line', () => {
  it('shows how to name each side, with examples', async () => {
    const run = await runCommand(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /npm run migrate-storage -- --from/);
    assert.match(run.stdout, /Examples:/);
    assert.match(run.stdout, /Stop the server first/);
  });

  it('refuses a wrong argument, saying what to write instead', () => {
    const cases: [string[], RegExp][] = [
      [[], /Say where to copy from and to: --from … --to … \(with npm run, after a --/],
      [
        ['--from', '/a', '--to', 'postgres://db.example.org/fieldsync'],
        /--to does not say where the photos are/,
      ],
      [['--from', '/a', '--to', 's3://photos/prod'], /--to does not say where the records are/],
      [
        ['--from', '/a', '--to', 'PHOTO_STORE=s3://x', '--to', '/b'],
        /--to: PHOTO_STORE must be s3:\/\/bucket/,
      ],
      [
        ['--from', '/a', '--to', 'PORT=80'],
        /--to PORT=…: a side is named by DATA_DIR, DATABASE_URL, PHOTO_STORE/,
      ],
      [['--from', '/a', '--to', '/b', '--to', '/c'], /--to gives DATA_DIR twice/],
      [['--from', '/a', '--to', '/a'], /name the same records and the same photos/],
      [
        ['--from', '/a', '--to', '/b', '--concurrency', '0'],
        /--concurrency must be a whole number from 1 to 64/,
      ],
      [['--from', '/a', '--to', '/b', '--fast'], /Unknown option '--fast'/],
    ];
    for (const [args, message] of cases) assert.throws(() => parseOptions(args, {}, '/'), message);
  });

  it('reads each side as the server reads its variables, paths from where it was started', () => {
    const options = parseOptions(
      [
        '--from',
        'data',
        '--to',
        'postgres://fieldsync:secret@db.example.org/fieldsync',
        '--to',
        's3://photos/prod',
        '--to',
        'AWS_ENDPOINT_URL_S3=https://s3.example.org',
        '--to',
        'AWS_ACCESS_KEY_ID=key',
        '--to',
        'AWS_SECRET_ACCESS_KEY=secret',
      ],
      { AWS_REGION: 'eu-west-1' },
      '/home/op',
    );
    assert.ok(options);
    assert.equal(options.from.config.dataDir, '/home/op/data');
    assert.equal(options.from.config.databaseUrl, null);
    assert.equal(options.to.config.databaseUrl, 'postgres://fieldsync:secret@db.example.org/fieldsync');
    assert.equal(options.to.records, 'PostgreSQL postgres://fieldsync@db.example.org/fieldsync');
    assert.deepEqual(options.to.config.photoStore, {
      bucket: 'photos',
      prefix: 'prod/',
      client: {
        forcePathStyle: true,
        endpoint: 'https://s3.example.org',
        credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
      },
    });
    // The same records on both sides: only the photos move.
    const photosOnly = parseOptions(
      ['--from', '/a', '--to', 'DATA_DIR=/a', '--to', 's3://photos/prod'],
      {},
      '/',
    );
    assert.equal(photosOnly?.to.config.dataDir, '/a');
    assert.equal(parseOptions(['--help'], {}, '/'), null);
  });

  it('exits with status 2 on a wrong argument, and 1 on a source that is not there, creating nothing', async () => {
    const dir = tempDir('args');
    try {
      const wrong = await runCommand(['--from', dir]);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /Say where to copy from and to[^]*See --help/);
      const missing = await runCommand(['--from', join(dir, 'nowhere'), '--to', join(dir, 'b')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Cannot open the source .*There is no Fieldsync database at/);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what migrate-storage copies', () => {
  /**
   * Every table the migrations create, and how the copy carries it. A
   * table added later fails this until the copy carries it too.
   */
  const CARRIED: Record<string, string> = {
    photos: 'listPhotos, then insertPhoto after the bytes',
    submissions: 'listSubmissions, then importSubmission with the receipt',
    submission_photos: "importSubmission links a submission's photos as insertSubmission does",
    published_forms: 'listPublishedForms, then insertPublishedForm',
    reference_revisions: 'getReferenceRevision from 1 to the head, then insertReferenceRevision',
    counters:
      "replaced by PostgreSQL's submission_seq sequence (0003), which importSubmission moves past every imported seq",
    users: 'listUsers, then insertUser (accounts.ts)',
    sessions: 'listSessions, then insertSession, after their users',
    devices: 'listDevices, then insertDevice, before the submissions naming them',
    setup_tokens: 'listSetupTokens, then insertSetupToken',
    sign_in_failures: 'listSignInFailures, then insertSignInFailures',
    review_events:
      "reviewEventsAfter, oldest first, then importReviewEvent with its id and setReviewState to the event's state",
    outbox_reports:
      'not copied on purpose: a report says what a device held at one moment, and each device reports again the next time it talks to the server',
  };

  it('carries every table the migrations of either database create', () => {
    for (const dialect of ['sqlite', 'postgres']) {
      const dir = join(PROJECT_ROOT, 'server', 'storage', dialect, 'migrations');
      for (const file of readdirSync(dir)) {
        const text = readFileSync(join(dir, file), 'utf8');
        for (const [, table] of text.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/gi))
          assert.ok(
            table! in CARRIED,
            `${dialect}/${file} creates ${table}, which migrate-storage does not copy`,
          );
      }
    }
  });
});
