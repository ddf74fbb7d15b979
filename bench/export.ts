/**
 * Exports of 100,000 submissions ("Household visit", the seeding of the
 * review table's benchmark) from the real server in a process of its own,
 * on SQLite and on PostgreSQL: rows a second, and the server's resident
 * memory before and at its peak during each download (/proc/<pid>/status,
 * sampled every 20 ms), beside an export of a tenth of them, to show that
 * memory does not grow with the rows. Printed, not asserted.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { openStores, closeStores } from '../server/storage/stores.js';
import { seedCredentials, credentialHeaders } from '../test/server/test-callers.js';
import { storeEnv, type TestStore } from '../test/server/helpers.js';
import { startCluster } from '../test/server/postgres-cluster.js';
import { startServerProcess } from '../test/server/process.js';
import { benchDatabase, seedSubmissions } from './seed-submissions.js';

const COUNT = Number(process.env.EXPORT_BENCH_COUNT ?? 100_000);
const MB = 1024 * 1024;
const HEAP_CAP_MB = 48;

/** The process's resident memory now and at its highest since it started, in bytes. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kB = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kB('VmRSS'), hwm: kB('VmHWM') };
}

interface Measured {
  rows: number;
  bytes: number;
  ms: number;
  firstByteMs: number;
  rssBefore: number;
  rssPeak: number;
}

/** Downloads url to its end, counting lines (one a row or feature) and sampling the server's memory. */
async function download(
  pid: number,
  url: string,
  headers: Record<string, string>,
  lines: (count: number) => number,
): Promise<Measured> {
  const rssBefore = (await memoryOf(pid)).rss;
  let rssPeak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      rssPeak = Math.max(rssPeak, (await memoryOf(pid)).rss);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  let firstByteMs = 0;
  let bytes = 0;
  let newlines = 0;
  await new Promise<void>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
      const body: Readable = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) firstByteMs = performance.now() - t0;
        bytes += chunk.length;
      });
      body.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      });
      body.on('end', resolve);
      body.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  const ms = performance.now() - t0;
  sampling = false;
  await sampler;
  return { rows: lines(newlines), bytes, ms, firstByteMs, rssBefore, rssPeak };
}

const CASES = [
  // One line a row after the header: the seeded answers hold no line breaks.
  {
    name: 'CSV',
    path: '/api/review/export.csv?form=household-visit',
    encoding: 'identity',
    lines: (n: number) => n - 1,
  },
  {
    name: 'CSV, gzip',
    path: '/api/review/export.csv?form=household-visit',
    encoding: 'gzip',
    lines: (n: number) => n - 1,
  },
  // A feature a line between the collection's opening and closing lines.
  { name: 'GeoJSON', path: '/api/review/export.geojson', encoding: 'identity', lines: (n: number) => n - 2 },
  {
    name: 'CSV, a tenth (33 days)',
    path: '/api/review/export.csv?form=household-visit&capturedFrom=2026-03-01&capturedBefore=2026-04-03',
    encoding: 'identity',
    lines: (n: number) => n - 1,
  },
];

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/** Runs the cases on a server started on the store with the environment given; prints a line each. */
async function onServer(
  store: TestStore,
  env: Record<string, string>,
  headers: Record<string, string>,
  cases: typeof CASES,
): Promise<void> {
  const server = await startServerProcess({
    ...storeEnv(store),
    APP_DIR: join(store.dataDir, 'no-app'),
    ...env,
  });
  try {
    const pid = server.child.pid!;
    // A whole export first, unmeasured: JIT, and the database's pages in the file cache.
    await download(pid, `${server.url}${CASES[0]!.path}`, headers, (n) => n);
    for (const c of cases) {
      const m = await download(
        pid,
        server.url + c.path,
        { ...headers, 'accept-encoding': c.encoding },
        c.lines,
      );
      const rate = (m.rows / m.ms) * 1000;
      console.info(
        `  ${c.name.padEnd(24)} ${m.rows.toLocaleString('en').padStart(7)} rows in ${(m.ms / 1000).toFixed(2)} s: ` +
          `${Math.round(rate).toLocaleString('en').padStart(6)} rows/s, ${(m.bytes / MB).toFixed(1)} MB sent, first byte ${m.firstByteMs.toFixed(0)} ms; ` +
          `server RSS ${mb(m.rssBefore)} before, peak ${mb(m.rssPeak)} (+${mb(m.rssPeak - m.rssBefore)})`,
      );
    }
    console.info(`  server's highest RSS since it started (VmHWM): ${mb((await memoryOf(pid)).hwm)}`);
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

async function measure(label: string, store: TestStore): Promise<void> {
  const t0 = performance.now();
  const stores = await openStores({ ...store, photoMaxBytes: MB });
  let headers: Record<string, string>;
  try {
    await seedSubmissions(stores.repository, COUNT);
    headers = credentialHeaders(await seedCredentials(stores.repository));
  } finally {
    await closeStores(stores);
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.info(`${label}: ${COUNT.toLocaleString('en')} submissions stored in ${seconds} s`);
  await onServer(store, {}, headers, CASES);
  // Were the export held in memory (its text alone is 29 MB of CSV, 71 MB of GeoJSON), a small heap would not do.
  console.info(`  again, the server's heap capped at ${HEAP_CAP_MB} MB (--max-old-space-size):`);
  await onServer(store, { NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` }, headers, CASES.slice(0, 3));
}

export async function exportBench(): Promise<void> {
  console.info(
    `Exports of the review table, ${COUNT.toLocaleString('en')} submissions, server in its own process, ` +
      `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs:`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'fieldsync-export-bench-'));
  try {
    await measure('SQLite', { dataDir: join(dir, 'sqlite'), databaseUrl: null, photoStore: null });
    const cluster = await startCluster();
    try {
      const databaseUrl = await benchDatabase(cluster.adminUrl, 'fieldsync_export_bench');
      await measure('PostgreSQL', { dataDir: join(dir, 'pg'), databaseUrl, photoStore: null });
    } finally {
      cluster.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.info(`  load average ${loadavg()[0]!.toFixed(1)} after`);
}
