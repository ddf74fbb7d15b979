/**
 * Draining a backlog, side by side with the library a web developer would
 * reach for: Fieldsync's outbox (each submission as it sends it, its photo
 * and record in one bundle), and Workbox's background-sync Queue replaying
 * the requests a web developer would queue (a photo, then its record) to
 * the same server, in the same browser. Alternating, on loopback and through a
 * front door that holds each request 100 ms (a mobile link). Printed as
 * submissions/s and the ratio, not asserted. Chromium runs without DevTools'
 * network events, as on a phone (bench/quiet-chromium.ts).
 *
 * Fieldsync is measured on both its paths with the app open: the page alone
 * (Firefox, Safari, Background Sync refused), and Background Sync, where the
 * worker's sync event for each submission runs beside the page's drain. The
 * backlog is seeded behind the app's back, so its tags are registered when
 * the network returns (as for tags the browser dropped), and each fires then.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { APP_CHANNEL, type AppMessage } from '../shared/messages.js';
import { chromiumCpu, cpuSpent, sampleCpu, type CpuSpent } from './process-cpu.js';
import {
  launchQuietChromium,
  openQuietWorld,
  type QuietPage as Page,
  type QuietWorld as World,
} from './quiet-chromium.js';
import { outboxStatuses, root, seedOutbox } from '../test/e2e/harness.js';

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

/** Asks the peer's worker; null: to queue the requests kept in the page. */
async function askPeer(page: Page, message: object | null): Promise<Record<string, number>> {
  return page.evaluate(
    async ({ scope, message }) => {
      const registration = await navigator.serviceWorker.getRegistration(scope);
      const channel = new MessageChannel();
      const answered = new Promise<Record<string, number>>(
        (r) => (channel.port1.onmessage = (e) => r(e.data as Record<string, number>)),
      );
      registration?.active?.postMessage(
        message === null
          ? { type: 'enqueue', requests: (window as unknown as { peerRequests: unknown[] }).peerRequests }
          : message,
        [channel.port2],
      );
      return answered;
    },
    { scope: SCOPE, message },
  );
}

/** What a drain took: seconds, and CPU milliseconds by who spent them. */
interface Drained {
  seconds: number;
  cpu: CpuSpent;
}

/** The peer queues the requests kept in the page (not measured), then replays them. */
async function peerReplay(page: Page, count: number): Promise<Drained> {
  await askPeer(page, null);
  const cpu0 = sampleCpu();
  const { ms, before, left } = (await askPeer(page, { type: 'replay' })) as {
    ms: number;
    before: number;
    left: number;
  };
  const cpu = cpuSpent(cpu0, sampleCpu());
  if (before !== count * 2 || left !== 0)
    throw new Error(
      `The Workbox queue held ${before} of ${count * 2} requests before its replay and ${left} after.`,
    );
  return { seconds: ms / 1000, cpu };
}

/**
 * Fieldsync drains its outbox once the server is back; resolves to the
 * seconds from the browser's \`online\` event to the last submission recorded
 * as sent, heard in the page on the app's channel (polling the outbox from
 * outside would take the page's time from the drain it measures).
 */
async function fieldsyncDrain(w: World, ids: string[]): Promise<Drained> {
  const cpu0 = sampleCpu();
  const ms = await w.page.evaluate(
    ({ ids, channelName }) =>
      new Promise<number>((resolve) => {
        const waiting = new Set(ids);
        const channel = new BroadcastChannel(channelName);
        channel.onmessage = (e: MessageEvent<AppMessage>) => {
          if (e.data.type !== 'submission-changed') return;
          for (const c of e.data.payload.batch ?? [e.data.payload])
            if (c.status === 'sent' && c.id) waiting.delete(c.id);
          if (waiting.size === 0) {
            channel.close();
            resolve(performance.now() - t0);
          }
        };
        const t0 = performance.now();
        dispatchEvent(new Event('online'));
      }),
    { ids, channelName: APP_CHANNEL },
  );
  const cpu = cpuSpent(cpu0, sampleCpu());
  const st = await outboxStatuses(w.page);
  const unsent = ids.filter((id) => st[id] !== 'sent');
  if (unsent.length) throw new Error(`${unsent.length} submissions not recorded as sent.`);
  return { seconds: ms / 1000, cpu };
}

/**
 * Tells the app that its outbox changed, as saving a submission does:
 * seeding wrote to IndexedDB behind its back. Resolves once the app's
 * outbox index holds these submissions, so the measured drain does not
 * also pay for the reads the app makes of each one when it is captured.
 */
async function announceSeeded(page: Page, ids: string[]): Promise<void> {
  await page.evaluate((channelName) => {
    const channel = new BroadcastChannel(channelName);
    const message: AppMessage = { type: 'submission-changed', payload: { id: null, status: null } };
    channel.postMessage(message);
    channel.close();
  }, APP_CHANNEL);
  await page.waitForFunction(
    (ids) => {
      type Index = { get(id: string): unknown };
      const index = (document.querySelector('fs-app') as (Element & { outbox?: Index | null }) | null)
        ?.outbox;
      return !!index && ids.every((id) => index.get(id) !== undefined);
    },
    {},
    ids,
  );
}

/** What the bench reads of the app's sync engine (src/send/sync-engine.ts). */
interface EngineState {
  path: { kind: 'page' | 'background-sync' } | null;
  sender: { lastRunAt: number | null; running: boolean };
}

/** One round: a backlog for each, stored while the server is down, then each drained in turn. */
async function round(
  w: World,
  count: number,
  fieldsyncFirst: boolean,
  path: 'page' | 'background-sync',
): Promise<{ fieldsync: Drained; workbox: Drained }> {
  const { page, server } = w;
  await server.kill();
  await page.reload();
  await page.waitForSelector(MAIN_NAVIGATION);
  // The app's start-up run over an empty outbox is done before the backlog is stored: had it
  // found the backlog with the server down, its checks would start the drain by themselves when
  // the server came back, before the measured one and unheard by it.
  const chosen = await page.waitForFunction(() => {
    const app = document.querySelector('fs-app') as (Element & { engine?: { state: EngineState } }) | null;
    const st = app?.engine?.state;
    return !!st && st.path !== null && st.sender.lastRunAt !== null && !st.sender.running && st.path.kind;
  });
  const kind = await chosen.jsonValue();
  if (kind !== path) throw new Error(`The app chose the ${kind} path, not ${path}.`);
  const ids = await seedOutbox(page, count * 2);
  const [own, peer] = [ids.slice(0, count), ids.slice(count)];
  await takeForPeer(page, peer);
  await announceSeeded(page, own);
  await server.start();
  let fieldsync: Drained;
  let workbox: Drained;
  if (fieldsyncFirst) {
    fieldsync = await fieldsyncDrain(w, own);
    workbox = await peerReplay(page, count);
  } else {
    workbox = await peerReplay(page, count);
    fieldsync = await fieldsyncDrain(w, own);
  }
  const held = new Set((await server.submissions()).map((s) => s.id));
  const missing = ids.filter((id) => !held.has(id));
  if (missing.length) throw new Error(`The server lacks ${missing.length} of the submissions.`);
  return { fieldsync, workbox };
}

/** The app's main navigation, found as a user finds it (by role and name, through shadow roots). */
const MAIN_NAVIGATION = '::-p-aria([role="navigation"][name="Main"])';

export async function drainVersusWorkbox(): Promise<void> {
  console.info(
    `Draining a backlog, Fieldsync's outbox against Workbox's background-sync Queue (photo, then record), ` +
      `alternating, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs:`,
  );
  const app = await appWithPeer();
  // Without DevTools' network events, as on a field worker's phone (bench/quiet-chromium.ts).
  const browser = await launchQuietChromium();
  try {
    for (const [path, link, latencyMs, count, rounds] of [
      ['page', 'loopback', 0, 100, 4],
      ['page', '100 ms per request', 100, 40, 2],
      ['background-sync', 'loopback', 0, 100, 4],
      ['background-sync', '100 ms per request', 100, 40, 2],
    ] as const) {
      const w = await openQuietWorld(browser, { backgroundSync: path === 'background-sync' });
      try {
        w.door.appDir = app;
        w.door.latencyMs = latencyMs;
        await w.page.goto(w.door.url);
        await w.page.waitForSelector(MAIN_NAVIGATION);
        await registerPeer(w.page);
        const results: { fieldsync: Drained; workbox: Drained }[] = [];
        for (let i = 0; i < rounds; i++) results.push(await round(w, count, i % 2 === 0, path));
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const rate = (d: Drained) => count / d.seconds;
        const f = mean(results.map((r) => rate(r.fieldsync)));
        const wb = mean(results.map((r) => rate(r.workbox)));
        /** CPU ms per submission of one side, mean over rounds, by what `of` picks from each round. */
        const per = (side: 'fieldsync' | 'workbox', of: (c: CpuSpent) => number) =>
          mean(results.map((r) => of(r[side].cpu) / count));
        const both = (of: (c: CpuSpent) => number) =>
          `${per('fieldsync', of).toFixed(1)}/${per('workbox', of).toFixed(1)}`;
        const all = (c: CpuSpent) => Object.values(c).reduce((a, b) => a + b, 0);
        /** Submissions/s if the cores did nothing else and were never idle. */
        const bound = (side: 'fieldsync' | 'workbox') => ((cpus().length * 1000) / per(side, all)).toFixed(0);
        console.info(
          `  ${path === 'page' ? 'page' : 'Background Sync'} sending, ${link}, ${count} submissions a round, ${rounds} rounds: Fieldsync ${f.toFixed(1)}/s, ` +
            `Workbox ${wb.toFixed(1)}/s: Fieldsync at ${(f / wb).toFixed(2)}× Workbox ` +
            `(rounds: ${results.map((r) => (rate(r.fieldsync) / rate(r.workbox)).toFixed(2)).join(', ')})\n` +
            `    CPU ms per submission, Fieldsync/Workbox: Chromium ${both(chromiumCpu)} ` +
            `(browser ${both((c) => c.browser)}, renderers ${both((c) => c.renderers)}, network ${both((c) => c.network)}), ` +
            `the server ${both((c) => c.server)}, this bench (front door, puppeteer) ${both((c) => c.bench)}; ` +
            `in all ${both(all)}, so ${cpus().length} busy cores could do at most ${bound('fieldsync')}/s and ${bound('workbox')}/s`,
        );
      } finally {
        await w.close();
      }
    }
  } finally {
    await browser.close();
    await rm(app, { recursive: true, force: true });
  }
}
