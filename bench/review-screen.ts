/**
 * The review screen in Chromium with 100,000 submissions on the server
 * (on SQLite, then on PostgreSQL; the seeding of bench/seed-submissions.ts): time from opening
 * /review to the first rows painted (and the first page's request), a
 * filter change to its rows painted, and the map of the filtered set to
 * its points drawn, with the longest main-thread task meanwhile. Printed,
 * not asserted; the median of a few runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { closeStores, openStores } from '../server/storage/stores.js';
import { root } from '../test/e2e/harness.js';
import { storeEnv } from '../test/server/helpers.js';
import { startServerProcess } from '../test/server/process.js';
import { seedCredentials } from '../test/server/test-callers.js';
import { startCluster } from '../test/server/postgres-cluster.js';
import { benchDatabase, seedSubmissions } from './seed-submissions.js';

const COUNT = 100_000;
const RUNS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** In the page: the first element matching selector, looking inside every shadow root. */
function deepFind(selector: string): Element | null {
  const walk = (node: ParentNode): Element | null => {
    const hit = node.querySelector(selector);
    if (hit) return hit;
    for (const el of node.querySelectorAll('*')) {
      if (el.shadowRoot) {
        const found = walk(el.shadowRoot);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(document);
}

/** In the page: resolves at the next frame, with its time. */
const nextFrame = () =>
  new Promise<number>((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()))));

interface Opened {
  painted: number;
  request: number;
}

async function openReview(page: Page, url: string): Promise<Opened> {
  await page.goto(`${url}/review`);
  await page.waitForFunction(`(${deepFind.toString()})('lit-virtualizer button.row') !== null`, undefined, {
    polling: 'raf',
    timeout: 120_000,
  });
  return page.evaluate(`(async () => {
    const painted = await (${nextFrame.toString()})();
    const [entry] = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/review/submissions'));
    return { painted, request: entry ? entry.responseEnd - entry.requestStart : NaN };
  })()`);
}

/** Sets the state filter and measures until the rows of the new filter are painted. */
async function changeFilter(page: Page, state: string): Promise<number> {
  return page.evaluate(`(async () => {
    const find = ${deepFind.toString()};
    const select = find('#state');
    const review = find('fs-review');
    const t0 = performance.now();
    select.value = '${state}';
    select.dispatchEvent(new Event('change'));
    await new Promise((resolve) => {
      const check = () => {
        const row = find('lit-virtualizer button.row');
        if (!review.loading && row && row.textContent.includes('${state === 'received' ? 'Received' : 'Approved'}')) resolve();
        else requestAnimationFrame(check);
      };
      check();
    });
    return (await (${nextFrame.toString()})()) - t0;
  })()`);
}

/** Shows the map and measures until its points are drawn, with the longest task meanwhile. */
interface Mapped {
  ms: number;
  longest: number;
  points: number;
  /** The points' request, from asking to the last byte. */
  request: number;
}

async function showMap(page: Page): Promise<Mapped> {
  return page.evaluate(`(async () => {
    const find = ${deepFind.toString()};
    const tasks = [];
    const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => e.duration)));
    observer.observe({ type: 'longtask' });
    const t0 = performance.now();
    [...find('fs-review').shadowRoot.querySelectorAll('.views button')].find((b) => b.textContent.trim() === 'Map').click();
    let map = null;
    while (!(map = find('fs-review-map'))) await new Promise((r) => requestAnimationFrame(r));
    await map.updateComplete;
    await map.ready;
    const ms = (await (${nextFrame.toString()})()) - t0;
    observer.disconnect();
    const entry = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/review/points')).pop();
    return {
      ms,
      longest: Math.max(0, ...tasks),
      points: map.drawn().points.length,
      request: entry ? entry.responseEnd - entry.requestStart : NaN,
    };
  })()`);
}

type Store = { dataDir: string; databaseUrl: string | null; photoStore: null };

export async function reviewScreen(browser: Browser): Promise<void> {
  console.info(
    `Review screen, ${COUNT.toLocaleString('en')} submissions on the server, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs:`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'fieldsync-review-bench-'));
  try {
    await measure(browser, 'SQLite', { dataDir: join(dir, 'sqlite'), databaseUrl: null, photoStore: null });
    const cluster = await startCluster();
    try {
      const databaseUrl = await benchDatabase(cluster.adminUrl, 'fieldsync_review_screen_bench');
      await measure(browser, 'PostgreSQL', { dataDir: join(dir, 'pg'), databaseUrl, photoStore: null });
    } finally {
      cluster.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(browser: Browser, label: string, store: Store): Promise<void> {
  console.info(`  ${label}:`);
  const stores = await openStores({ ...store, photoMaxBytes: 1024 * 1024 });
  let session: string;
  try {
    await seedSubmissions(stores.repository, COUNT);
    session = (await seedCredentials(stores.repository)).admin.session;
  } finally {
    await closeStores(stores);
  }
  const server = await startServerProcess({ ...storeEnv(store), APP_DIR: join(root, 'dist/app') });
  // The measuring scripts are handed to the page as text, which the app's CSP (no eval) would refuse.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  try {
    const { hostname } = new URL(server.url);
    await context.addCookies([{ name: 'fs_session', value: session, domain: hostname, path: '/' }]);
    const opened: Opened[] = [];
    const filtered: number[] = [];
    const mapped: Mapped[] = [];
    // One visit first, unmeasured: the server's caches and the browser's compiled scripts.
    const warm = await context.newPage();
    await openReview(warm, server.url);
    await warm.close();
    for (let run = 0; run < RUNS; run++) {
      const page = await context.newPage();
      opened.push(await openReview(page, server.url));
      filtered.push(await changeFilter(page, 'approved'));
      filtered.push(await changeFilter(page, 'received'));
      mapped.push(await showMap(page));
      await page.close();
    }
    const ms = (n: number) => `${Math.round(n)} ms`;
    console.info(
      `    first rows painted ${ms(median(opened.map((o) => o.painted)))} after opening /review ` +
        `(its first page's request ${ms(median(opened.map((o) => o.request)))})`,
    );
    console.info(`    a filter change (state) to its rows painted: ${ms(median(filtered))}`);
    console.info(
      `    the map of the filtered set (${mapped[0]!.points.toLocaleString('en')} points) drawn in ${ms(median(mapped.map((m) => m.ms)))}, ` +
        `longest task meanwhile ${ms(median(mapped.map((m) => m.longest)))} (the points' request ${ms(median(mapped.map((m) => m.request)))})`,
    );
  } finally {
    await context.close();
    server.child.kill('SIGKILL');
    await server.exited;
  }
}
