/**
 * Draining a backlog, side by side with the library a web developer would
 * reach for: Fieldsync's outbox, and Workbox's background-sync Queue
 * replaying the same kind of requests (a photo, then its record) to the
 * same server, in the same browser. Alternating, on loopback and through a
 * front door that holds each request 100 ms (a mobile link). Printed as
 * submissions/s and the ratio, not asserted.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { openWorld, outboxStatuses, root, seedOutbox, until, type World } from '../test/e2e/harness.js';

const SCOPE = '/bench-workbox/';
const WORKER = 'bench-workbox-sw.js';

/** The app as built, with the peer's service worker beside it. */
async function appWithPeer(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fieldsync-drain-bench-'));
  await cp(join(root, 'dist/app'), dir, { recursive: true });
  await build({
    configFile: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      lib: {
        entry: join(root, 'bench/workers/workbox-queue-sw.ts'),
        formats: ['iife'],
        name: 'workboxQueueBench',
        fileName: () => WORKER,
      },
    },
  });
  return dir;
}

/** Registers the peer's service worker beside the app's, and waits until it is active. */
async function registerPeer(page: Page): Promise<void> {
  await page.evaluate(
    async ({ scope, worker }) => {
      const registration = await navigator.serviceWorker.register(`/${worker}`, { scope });
      const peer = registration.installing ?? registration.waiting ?? registration.active;
      if (peer && peer.state !== 'activated')
        await new Promise<void>((r) =>
          peer.addEventListener('statechange', () => peer.state === 'activated' && r()),
        );
    },
    { scope: SCOPE, worker: WORKER },
  );
}

/**
 * Takes these seeded submissions out of the app's outbox (the app never
 * sees them) and keeps, in the page, the two requests each needs from the
 * peer: its photo, then its record.
 */
async function takeForPeer(page: Page, ids: string[]): Promise<void> {
  await page.evaluate(async (ids) => {
    const open = (db: string) =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(db);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const get = (db: IDBDatabase, store: string, key: string) =>
      new Promise<unknown>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).get(key);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const submissions = await open('fieldsync-submissions');
    const photos = await open('fieldsync-photos');
    const requests: { url: string; method: string; headers: Record<string, string>; body: ArrayBuffer }[] =
      [];
    for (const id of ids) {
      const record = (await get(submissions, 'submissions', id)) as {
        payload: { photos: { sha256: string }[] };
      };
      for (const ref of record.payload.photos) {
        const photo = (await get(photos, 'photos', ref.sha256)) as { data: ArrayBuffer; type: string };
        requests.push({
          url: `/api/photos/${ref.sha256}`,
          method: 'PUT',
          headers: { 'content-type': photo.type, 'x-fieldsync-request': '1' },
          body: photo.data,
        });
      }
      requests.push({
        url: `/api/submissions/${id}`,
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-fieldsync-request': '1' },
        body: new TextEncoder().encode(JSON.stringify(record.payload)).buffer as ArrayBuffer,
      });
    }
    await new Promise<void>((resolve, reject) => {
      const tx = submissions.transaction('submissions', 'readwrite');
      for (const id of ids) tx.objectStore('submissions').delete(id);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    (window as unknown as { peerRequests: unknown }).peerRequests = requests;
  }, ids);
}

/** The peer queues the requests kept in the page (not timed), then replays them; resolves to the seconds the replay took. */
async function peerReplay(page: Page): Promise<number> {
  const { ms, before, left, queued } = await page.evaluate(async (scope) => {
    const registration = await navigator.serviceWorker.getRegistration(scope);
    const ask = (message: object) => {
      const channel = new MessageChannel();
      const answered = new Promise<Record<string, number>>(
        (r) => (channel.port1.onmessage = (e) => r(e.data as Record<string, number>)),
      );
      registration!.active!.postMessage(message, [channel.port2]);
      return answered;
    };
    const requests = (window as unknown as { peerRequests: unknown[] }).peerRequests;
    await ask({ type: 'enqueue', requests });
    const replayed = await ask({ type: 'replay' });
    return { ...replayed, queued: requests.length } as {
      ms: number;
      before: number;
      left: number;
      queued: number;
    };
  }, SCOPE);
  if (before !== queued || left !== 0)
    throw new Error(
      `The Workbox queue held ${before} of ${queued} requests before its replay and ${left} after.`,
    );
  return ms / 1000;
}

/** Fieldsync drains its outbox once the server is back; resolves to the seconds it took. */
async function fieldsyncDrain(w: World, ids: string[]): Promise<number> {
  const t0 = Date.now();
  await w.page.evaluate(() => dispatchEvent(new Event('online')));
  await until(
    async () => {
      const st = await outboxStatuses(w.page);
      return ids.every((id) => st[id] === 'sent');
    },
    `${ids.length} submissions sent`,
    600_000,
  );
  return (Date.now() - t0) / 1000;
}

/** One round: a backlog for each, stored while the server is down, then each drained in turn. */
async function round(
  w: World,
  count: number,
  fieldsyncFirst: boolean,
): Promise<{ fieldsync: number; workbox: number }> {
  const { page, server } = w;
  await server.kill();
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  const ids = await seedOutbox(page, count * 2);
  const [own, peer] = [ids.slice(0, count), ids.slice(count)];
  await takeForPeer(page, peer);
  await server.start();
  let fieldsync = 0;
  let workbox = 0;
  if (fieldsyncFirst) {
    fieldsync = await fieldsyncDrain(w, own);
    workbox = await peerReplay(page);
  } else {
    workbox = await peerReplay(page);
    fieldsync = await fieldsyncDrain(w, own);
  }
  const held = new Set((await server.submissions()).map((s) => s.id));
  const missing = ids.filter((id) => !held.has(id));
  if (missing.length) throw new Error(`The server lacks ${missing.length} of the submissions.`);
  return { fieldsync: count / fieldsync, workbox: count / workbox };
}

export async function drainVersusWorkbox(browser: Browser): Promise<void> {
  console.info(
    `Draining a backlog, Fieldsync's outbox against Workbox's background-sync Queue (photo, then record), ` +
      `alternating, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs:`,
  );
  const app = await appWithPeer();
  try {
    for (const [link, latencyMs, count, rounds] of [
      ['loopback', 0, 100, 4],
      ['100 ms per request', 100, 40, 2],
    ] as const) {
      const w = await openWorld(browser);
      try {
        w.door.appDir = app;
        w.door.latencyMs = latencyMs;
        await w.page.goto(w.door.url);
        await w.page.getByRole('navigation', { name: 'Main' }).waitFor();
        await registerPeer(w.page);
        const results: { fieldsync: number; workbox: number }[] = [];
        for (let i = 0; i < rounds; i++) results.push(await round(w, count, i % 2 === 0));
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const f = mean(results.map((r) => r.fieldsync));
        const wb = mean(results.map((r) => r.workbox));
        console.info(
          `  ${link}, ${count} submissions a round, ${rounds} rounds: Fieldsync ${f.toFixed(1)}/s, ` +
            `Workbox ${wb.toFixed(1)}/s: Fieldsync at ${(f / wb).toFixed(2)}× Workbox ` +
            `(rounds: ${results.map((r) => (r.fieldsync / r.workbox).toFixed(2)).join(', ')})`,
        );
      } finally {
        await w.close();
      }
    }
  } finally {
    await rm(app, { recursive: true, force: true });
  }
}
