/**
 * The review table's queries with 100,000 submissions on the server: the
 * first page, a state filter, a rare and a common word, newest captured
 * first, and the 50th page of a walk by cursor, on SQLite and on
 * PostgreSQL (a throwaway cluster). Timed at the repository, the server's
 * own time without HTTP. Printed, not asserted.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewQuery } from '../server/storage/review-listing.js';
import type { Repository } from '../server/storage/repository.js';
import { openStores } from '../server/storage/stores.js';
import { startCluster } from '../test/server/postgres-cluster.js';
import type { Choice } from '../shared/forms.js';
import { codesLabelled } from '../server/label-search.js';
import { DEMO_FORMS_DIR } from '../test/server/helpers.js';
import { benchDatabase, seedSubmissions } from './seed-submissions.js';

const villages = JSON.parse(readFileSync(join(DEMO_FORMS_DIR, 'lists', 'villages.json'), 'utf8')) as Choice[];
/** A search by a village's label, as the table's search box sends it: the text and the codes it names. */
const byLabel = (text: string): Partial<ReviewQuery> => ({
  text,
  textCodes: codesLabelled({ forms: [], lists: { villages } }, text),
});

const COUNT = Number(process.env.REVIEW_BENCH_COUNT ?? 100_000);
const RUNS = 7;

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
  textCodes: [],
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
  await seedSubmissions(repo, COUNT);
  console.info(
    `${label}: ${COUNT.toLocaleString('en')} submissions stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const cases: [string, Partial<ReviewQuery>][] = [
    ['first page, newest received', {}],
    ['state = rejected', { states: ['rejected'] }],
    ['form + state = received', { formId: 'household-visit', states: ['received'] }],
    ['text, a word in 1 of 10,000', { text: 'Rare' }],
    ['text, a word in 1 of 10', { text: 'Achieng' }],
    ['village by label, 1 of 20,000', byLabel('Abubuya Central')],
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
      const url = await benchDatabase(cluster.adminUrl, 'fieldsync_review_bench');
      const stores = await openStores({
        dataDir: join(dir, 'pg'),
        databaseUrl: url,
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
