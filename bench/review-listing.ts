/**
 * The review table's queries with 100,000 submissions on the server: the
 * first page, a state filter, a rare and a common word, newest captured
 * first, and the 50th page of a walk by cursor, on SQLite and on
 * PostgreSQL (a throwaway cluster). Timed at the repository, the server's
 * own time without HTTP. Printed, not asserted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ReviewState } from '../shared/review.js';
import type { SubmissionPayload } from '../shared/submission.js';
import type { ReviewQuery } from '../server/storage/review-listing.js';
import type { Repository } from '../server/storage/repository.js';
import { openStores } from '../server/storage/stores.js';
import { startCluster } from '../test/server/postgres-cluster.js';
import { seededRandom } from '../test/support/seeded-random.js';

const COUNT = Number(process.env.REVIEW_BENCH_COUNT ?? 100_000);
const BATCH = 1000;
const RUNS = 7;

const NAMES = [
  'Achieng',
  'Baraka',
  'Chebet',
  'Daudi',
  'Esther',
  'Fatuma',
  'Gitau',
  'Halima',
  'Imani',
  'Juma',
];
const SOURCES = [
  'piped',
  'borehole',
  'protected_well',
  'unprotected_well',
  'surface_water',
  'rainwater',
  'vendor',
];

function visit(i: number, rand: () => number): SubmissionPayload {
  const fix = {
    lat: -0.5 + rand(),
    lon: 34 + rand(),
    accuracy: 3 + rand() * 40,
    time: '2026-11-20T09:30:00.000Z',
  };
  // One household in 10,000 has a name nobody else has: the rare word.
  const head =
    i % 10_000 === 7 ? `Zawadi Rare${i}` : `${NAMES[i % NAMES.length]} ${NAMES[(i * 7) % NAMES.length]}`;
  return {
    id: randomUUID(),
    formId: 'household-visit',
    formVersion: 1,
    answers: {
      village: `vlg_${String(1 + (i % 20_000)).padStart(5, '0')}`,
      head_name: head,
      members: 1 + (i % 12),
      water_source: SOURCES[i % SOURCES.length]!,
      visit_date: '2026-11-20',
      location: fix,
    },
    location: fix,
    photos: [],
    createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 330 * 86_400_000)).toISOString(),
    deviceId: `device-${i % 50}`,
    referenceVersion: null,
  };
}

async function seed(repo: Repository): Promise<void> {
  const rand = seededRandom(12);
  const reviewer = {
    id: randomUUID(),
    username: 'bench-supervisor',
    usernameKey: 'bench-supervisor',
    passwordHash: 'not-a-password',
    role: 'supervisor' as const,
    formIds: null,
    createdAt: new Date().toISOString(),
    disabledAt: null,
  };
  await repo.insertUser(reviewer);
  const states: ReviewState[] = ['approved', 'approved', 'approved', 'has_issues', 'rejected'];
  for (let start = 0; start < COUNT; start += BATCH) {
    await repo.withTransaction(async (tx) => {
      for (let i = start; i < Math.min(COUNT, start + BATCH); i++) {
        const payload = visit(i, rand);
        await tx.insertSubmission({
          payload,
          contentHash: 'bench',
          receivedAt: new Date().toISOString(),
          sentBy: null,
        });
        // A third reviewed: mostly approved, some sent back.
        if (i % 3 === 0) {
          const to = states[i % states.length]!;
          await tx.setReviewState(payload.id, to);
          await tx.appendReviewEvent({
            submissionId: payload.id,
            at: new Date().toISOString(),
            by: { userId: reviewer.id, username: reviewer.username },
            from: 'received',
            to,
            comment: to === 'approved' ? null : 'Check the number of members.',
          });
        }
      }
    });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const base: ReviewQuery = {
  scope: null,
  formId: null,
  formVersion: null,
  states: null,
  deviceId: null,
  capturedFrom: null,
  capturedBefore: null,
  text: null,
  correctionOf: null,
  ids: null,
  flagged: false,
  sort: 'received',
  after: null,
  since: null,
  limit: 100,
};

async function timed(repo: Repository, query: ReviewQuery): Promise<{ ms: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    rows = (await repo.listForReview(query)).items.length;
    times.push(performance.now() - t0);
  }
  return { ms: median(times), rows };
}

async function measure(label: string, repo: Repository): Promise<void> {
  const t0 = performance.now();
  await seed(repo);
  console.info(
    `${label}: ${COUNT.toLocaleString('en')} submissions stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const cases: [string, Partial<ReviewQuery>][] = [
    ['first page, newest received', {}],
    ['state = rejected', { states: ['rejected'] }],
    ['form + state = received', { formId: 'household-visit', states: ['received'] }],
    ['text, a word in 1 of 10,000', { text: 'Rare' }],
    ['text, a word in 1 of 10', { text: 'Achieng' }],
    ['newest captured first', { sort: 'captured' }],
    [
      'captured in one week',
      { capturedFrom: '2026-06-01T00:00:00.000Z', capturedBefore: '2026-06-08T00:00:00.000Z' },
    ],
  ];
  for (const [name, change] of cases) {
    const { ms, rows } = await timed(repo, { ...base, ...change });
    console.info(`  ${name.padEnd(32)} ${ms.toFixed(1).padStart(7)} ms  (${rows} rows)`);
  }
  // The 50th page of a walk by cursor costs what the first does: keyset, not OFFSET.
  for (const sort of ['received', 'captured'] as const) {
    let after: ReviewQuery['after'] = null;
    for (let page = 1; page < 50; page++) after = (await repo.listForReview({ ...base, sort, after })).next;
    const { ms } = await timed(repo, { ...base, sort, after });
    console.info(`  ${`page 50, ${sort}`.padEnd(32)} ${ms.toFixed(1).padStart(7)} ms`);
  }
}

export async function reviewListing(): Promise<void> {
  console.info(
    `Review table queries, ${COUNT.toLocaleString('en')} submissions, median of ${RUNS} (server time, no HTTP):`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'fieldsync-review-bench-'));
  try {
    const sqlite = await openStores({ dataDir: join(dir, 'sqlite'), photoMaxBytes: 1 << 20 });
    try {
      await measure('SQLite', sqlite.repository);
    } finally {
      await sqlite.repository.close();
    }
    const cluster = await startCluster();
    try {
      const admin = new pg.Client({ connectionString: cluster.adminUrl });
      await admin.connect();
      await admin.query('CREATE DATABASE fieldsync_review_bench');
      await admin.end();
      const url = new URL(cluster.adminUrl);
      url.pathname = '/fieldsync_review_bench';
      const stores = await openStores({
        dataDir: join(dir, 'pg'),
        databaseUrl: url.toString(),
        photoMaxBytes: 1 << 20,
      });
      try {
        await measure('PostgreSQL', stores.repository);
      } finally {
        await stores.repository.close();
      }
    } finally {
      cluster.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
