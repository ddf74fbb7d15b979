/**
 * How fast the server takes in submissions, measured against its lightest
 * request on the same server in the same run: rounds of 32 keep-alive
 * connections asking GET /api/health as fast as it answers, then 32 putting
 * new, valid "Household visit" submissions (no photos), on SQLite and on
 * PostgreSQL (a throwaway cluster, as the server tests start one). Every
 * acknowledged submission is durably committed, so the ratio of the two
 * rates is the price of that commit. Printed, not asserted.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { SubmissionPayload } from '../shared/submission.js';
import { root, ServerProcess } from '../test/e2e/harness.js';
import { startCluster } from '../test/server/postgres-cluster.js';
import { CHANGE_HEADERS } from '../test/support/accounts.js';
import { seededRandom } from '../test/support/seeded-random.js';

const CONNECTIONS = 32;
const SECONDS = Number(process.env.INGEST_SECONDS ?? 4);
const ROUNDS = Number(process.env.INGEST_ROUNDS ?? 5);

interface Phase {
  /** Requests answered as expected per second. */
  rate: number;
  p50: number;
  p99: number;
  /** Answers with another status, or requests that failed. */
  failed: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Call {
  method: 'GET' | 'PUT';
  path: string;
  body?: string;
  /** The device's cookie and X-Fieldsync-Request, for a PUT. */
  headers?: Record<string, string>;
  /** The status that counts as done. */
  expect: number;
}

/** One request on agent's kept-alive sockets: its status, once the whole answer is read. */
function send(agent: Agent, port: number, call: Call): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: call.method,
        path: call.path,
        headers: {
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...call.headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(call.body);
  });
}

/** CONNECTIONS loops of next() calls, each waiting for its answer, for seconds. */
async function load(port: number, seconds: number, next: () => Call): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const call = next();
      const start = performance.now();
      const status = await send(agent, port, call).catch(() => 0);
      if (status === call.expect) latencies.push(performance.now() - start);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failed,
  };
}

/** Valid submissions of the demo form "Household visit", each new, in villages of its 20,000-entry list. */
async function householdVisits(): Promise<() => SubmissionPayload> {
  const file = join(root, 'server/demo-forms/lists/villages.json');
  const villages = JSON.parse(await readFile(file, 'utf8')) as { value: string; lat: number; lon: number }[];
  const rand = seededRandom(7);
  const sources = ['piped', 'borehole', 'protected_well', 'unprotected_well', 'surface_water'];
  return () => {
    const village = villages[Math.floor(rand() * villages.length)]!;
    const now = new Date().toISOString();
    const location = { lat: village.lat, lon: village.lon, accuracy: 3 + Math.round(rand() * 25), time: now };
    return {
      id: randomUUID(),
      formId: 'household-visit',
      formVersion: 1,
      answers: {
        village: village.value,
        head_name: `Head of household ${Math.floor(rand() * 1e6)}`,
        members: 1 + Math.floor(rand() * 9),
        water_source: sources[Math.floor(rand() * sources.length)]!,
        visit_date: now.slice(0, 10),
        location,
      },
      location,
      photos: [],
      createdAt: now,
      deviceId: 'bench-device',
      referenceVersion: null,
    };
  };
}

const fmt = (p: Phase) =>
  `${p.rate.toFixed(0)} req/s, p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms` +
  (p.failed ? `, ${p.failed} failed` : '');

/**
 * PUTs of new submissions, made ahead of the clock so that the time to make
 * them is not the client's share of the machine: ready(n) makes n, and a
 * phase that runs out makes more as it goes.
 */
function submissionCalls(
  next: () => SubmissionPayload,
  device: string,
): { ready(n: number): void; take(): Call } {
  const made: Call[] = [];
  const make = (): Call => {
    const payload = next();
    return {
      method: 'PUT',
      path: `/api/submissions/${payload.id}`,
      body: JSON.stringify(payload),
      headers: { cookie: device, ...CHANGE_HEADERS },
      expect: 201,
    };
  };
  return {
    ready(n) {
      while (made.length < n) made.push(make());
    },
    take: () => made.pop() ?? make(),
  };
}

/** Alternating rounds of health and ingest on one server; prints each and the median ratio. */
async function measure(backend: string, env: Record<string, string>): Promise<void> {
  const server = new ServerProcess(env);
  try {
    await server.start();
    // Sent as one enrolled device, as a field phone sends them.
    const device = await (await server.admin()).deviceCookie();
    const submissions = submissionCalls(await householdVisits(), device);
    const health: Call = { method: 'GET', path: '/api/health', expect: 200 };
    // Warm-up: JIT, the database's caches and the connection pool.
    await load(server.port, 2, () => health);
    let ingest = await load(server.port, 2, submissions.take);
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const h = await load(server.port, SECONDS, () => health);
      submissions.ready(Math.ceil(ingest.rate * SECONDS * 1.5));
      ingest = await load(server.port, SECONDS, submissions.take);
      ratios.push(ingest.rate / h.rate);
      console.info(
        `  ${backend} round ${round}: GET /api/health ${fmt(h)}; PUT /api/submissions ${fmt(ingest)}; ratio ${(ingest.rate / h.rate).toFixed(2)}`,
      );
    }
    console.info(
      `Ingest on ${backend}: acknowledged submissions/s over health requests/s, median of ${ROUNDS} rounds: ${median(ratios).toFixed(2)}`,
    );
  } finally {
    await server.dispose();
  }
}

export async function ingest(): Promise<void> {
  console.info(
    `Ingest, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs:`,
  );
  // An empty DATABASE_URL is unset: SQLite in the server's temp DATA_DIR.
  await measure('SQLite', { DATABASE_URL: '' });
  const cluster = await startCluster();
  try {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE fieldsync_bench');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/fieldsync_bench';
    await measure('PostgreSQL', { DATABASE_URL: url.href });
  } finally {
    cluster.stop();
  }
  console.info(`  load average ${loadavg()[0]!.toFixed(1)} after`);
}
