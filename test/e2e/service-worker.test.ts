/**
 * End to end: the service worker (the app offline, updates) and Background
 * Sync (sending from the worker, even with every page closed), in Debian's
 * Chromium against the real server behind the front door.
 *
 * Playwright's `permissions` list denies every permission it does not name,
 * so openWorld's contexts (geolocation only) have background-sync "denied"
 * and send from the page; tests of the Background Sync path grant it.
 * Chromium retries a failed sync tag after about 5 and 15 minutes; tests
 * bring an attempt forward with DevTools' ServiceWorker.dispatchSyncEvent,
 * or use a browser whose retry delays are shortened.
 */
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromePath } from '../support/chromium.js';
import type { DeviceOutboxList } from '../../shared/live.js';
import { fillDemoForm } from './demo-form.js';
import {
  cameraJpeg,
  launchBrowser,
  openWorld,
  outboxRecord,
  root,
  seedOutbox,
  until,
  workerRegistrationId,
  type World,
} from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

async function withWorld(
  fn: (w: World) => Promise<void>,
  options: { backgroundSync?: boolean; browser?: Browser } = {},
): Promise<void> {
  const world = await openWorld(options.browser ?? browser);
  try {
    if (options.backgroundSync) await world.context.grantPermissions(['background-sync']);
    await fn(world);
  } finally {
    await world.close();
  }
}

/**
 * Opens the app and waits until its service worker controls the page and,
 * on the forms list, until the forms are on the device (tests take the
 * server away next).
 */
async function visit(w: World, path = '/'): Promise<void> {
  await w.page.goto(`${w.door.url}${path}`);
  await w.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await w.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  if (path === '/') await w.page.getByRole('link', { name: 'Water point inspection' }).waitFor();
}

const tagOf = (id: string) => `submission:${id}`;

/** Fills and saves the demo form from the forms list; resolves to the new submission's id. */
async function saveDemoSubmission(page: Page, seeds: number[]): Promise<string> {
  await page.getByRole('link', { name: 'Forms', exact: true }).click();
  await page.getByRole('link', { name: 'Water point inspection' }).click();
  await page.getByLabel('People served').waitFor();
  const photos = [];
  for (const seed of seeds) photos.push(await cameraJpeg(page, seed));
  await fillDemoForm(page, { photos });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
  const id = await page.locator('li[data-id]').first().getAttribute('data-id');
  assert.ok(id, 'the outbox lists the submission');
  return id;
}

/** A submission's status badge in the outbox. */
function statusOf(page: Page, id: string, status: 'Queued' | 'Waiting' | 'Sent') {
  return page.locator(`li[data-id="${id}"]`).getByText(status, { exact: true });
}

/** The Background Sync tags registered by the app's worker registration. */
function syncTags(page: Page): Promise<string[]> {
  return page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.sync!.getTags()));
}

/** Paths of the PUTs this page itself makes (the service worker's do not appear here). */
function pagePuts(page: Page): string[] {
  const puts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'PUT') puts.push(new URL(r.url()).pathname);
  });
  return puts;
}

/** How often the front door saw this request. */
const seen = (w: World, request: string) => w.door.apiLog.filter((r) => r === request).length;
/** How often the front door saw a request from the index `from` of its log on. */
const seenSince = (w: World, from: number, request: string) =>
  w.door.apiLog.slice(from).filter((r) => r === request).length;

interface DevTools {
  /** Fires the worker's `sync` event for a tag now, as the browser's next attempt would. */
  dispatchSync(tag: string, lastChance?: boolean): Promise<void>;
  /** Ids of the worker versions that have been activated so far. */
  activatedVersions: Set<string>;
}

/** The DevTools protocol's ServiceWorker domain, on the world's page. */
async function devTools(w: World): Promise<DevTools> {
  const cdp = await w.context.newCDPSession(w.page);
  const scope = `${w.door.url}/`;
  const activatedVersions = new Set<string>();
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const v of versions) if (v.status === 'activated') activatedVersions.add(v.versionId);
  });
  const id = await workerRegistrationId(cdp, scope);
  return {
    activatedVersions,
    async dispatchSync(tag, lastChance = false) {
      await cdp.send('ServiceWorker.dispatchSyncEvent', {
        origin: w.door.url,
        registrationId: id,
        tag,
        lastChance,
      });
    },
  };
}

async function openDiagnostics(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Diagnostics' }).click();
  await page.getByRole('heading', { name: 'Diagnostics' }).waitFor();
}

const BACKGROUND_SYNC_PATH = 'Background Sync (the service worker sends, even after the app is closed)';
const PAGE_PATH = 'From this page (sent while the app is open';

describe('the service worker', () => {
  it("lets API requests skip it and takes the app's files from its precache through static routes, while it still serves the app's own addresses", async () => {
    await withWorld(async (w) => {
      const { page, context } = w;
      await visit(w);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      // Chromium says, per response, which static route (if any) decided where it came from, and where it did.
      const routes = new Map<string, { matched: string; actual: string }>();
      cdp.on('Network.responseReceived', (e) => {
        const info = (
          e.response as {
            serviceWorkerRouterInfo?: { matchedSourceType?: string; actualSourceType?: string };
          }
        ).serviceWorkerRouterInfo;
        routes.set(new URL(e.response.url).pathname, {
          matched: info?.matchedSourceType ?? 'no rule',
          actual: info?.actualSourceType ?? 'no rule',
        });
      });
      await page.evaluate(() => fetch('/api/health').then((r) => r.text()));
      await page.evaluate(() => fetch('/outbox').then((r) => r.text()));
      await until(async () => routes.has('/api/health') && routes.has('/outbox'), 'both answers seen');
      assert.equal(
        routes.get('/api/health')?.matched,
        'network',
        'the API request went straight to the network',
      );
      assert.equal(routes.get('/outbox')?.matched, 'no rule', "a screen's address is the worker's to answer");

      // The app's scripts and styles come straight from the precache, without a fetch event each.
      await page.reload();
      await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
      const assets = [...routes].filter(([path]) => path.startsWith('/assets/'));
      assert.ok(assets.length >= 2, `the app's files were seen: ${JSON.stringify(assets)}`);
      for (const [path, route] of assets)
        assert.deepEqual(route, { matched: 'cache', actual: 'cache' }, path);
      // A file the precache lacks is still fetched, from the network.
      const missing = await page.evaluate(() => fetch('/assets/not-precached.js').then((r) => r.status));
      assert.equal(missing, 200, 'the front door answered');
      const missed = await until(async () => routes.get('/assets/not-precached.js'), 'its answer seen');
      assert.deepEqual(missed, { matched: 'cache', actual: 'network' });
    });
  });

  it('serves the app offline once visited: a reload, deep links, and capturing a submission with the server gone', async () => {
    await withWorld(async (w) => {
      const { page, context, server, door } = w;
      await visit(w);
      await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
      await context.setOffline(true);
      await server.kill();
      const apiRequests = door.apiLog.length;

      await page.reload();
      await page.getByRole('heading', { name: 'Forms', exact: true }).waitFor();
      await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
      await page.getByText('Offline: everything you save is kept on this device').waitFor();

      await page.goto(`${door.url}/outbox`);
      await page.getByRole('heading', { name: 'Outbox' }).waitFor();
      await page.getByText('Nothing saved on this device yet').waitFor();

      await page.goto(`${door.url}/forms/water-point-inspection`);
      await page.getByRole('heading', { name: 'Water point inspection' }).waitFor();
      await page.getByLabel('People served').waitFor();
      await fillDemoForm(page, { photos: [await cameraJpeg(page, 101)] });
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Outbox' }).waitFor();
      await page
        .getByRole('listitem')
        .filter({ hasText: 'Water point inspection' })
        .getByText('Queued', { exact: true })
        .waitFor();
      assert.equal(door.apiLog.length, apiRequests, 'nothing reached the front door while offline');
    });
  });

  it('updates to a new build when the user agrees, keeping the open draft and sending what the old version saved', async () => {
    const build2 = await mkdtemp(join(tmpdir(), 'fieldsync-build2-'));
    try {
      await withWorld(
        async (w) => {
          const { page, server, door } = w;
          await visit(w);
          const dev = await devTools(w);

          // Saved by the old version while the server is down: the browser's first attempt fails.
          await server.kill();
          const id = await saveDemoSubmission(page, [161]);
          await until(async () => ((await outboxRecord(page, id))?.attempts ?? 0) >= 1, 'the first attempt');

          // A draft open in the form.
          await page.getByRole('link', { name: 'Forms', exact: true }).click();
          await page.getByRole('link', { name: 'Water point inspection' }).click();
          await page.waitForURL(/\/drafts\//);
          const draftId = new URL(page.url()).pathname.split('/').pop()!;
          await page.getByLabel('People served').fill('77');
          await until(
            () =>
              page.evaluate(
                (key) =>
                  new Promise<boolean>((resolve) => {
                    const req = indexedDB.open('fieldsync-drafts');
                    req.onsuccess = () => {
                      const get = req.result.transaction('drafts').objectStore('drafts').get(key);
                      get.onsuccess = () => {
                        req.result.close();
                        resolve(get.result?.answers?.people_served === 77);
                      };
                    };
                  }),
                draftId,
              ),
            'the draft stored with 77',
          );

          // Deploy build 2: a worker that differs by a byte.
          await cp(join(root, 'dist/app'), build2, { recursive: true });
          await appendFile(join(build2, 'sw.js'), '\n// build 2\n');
          door.appDir = build2;
          await page.evaluate(() => {
            (window as { beforeUpdate?: boolean }).beforeUpdate = true;
          });
          await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.update()));
          await page.getByText('A new version of Fieldsync is ready.').waitFor();
          assert.equal(dev.activatedVersions.size, 1, 'the new version waits for the user');

          const reloaded = page.waitForEvent('load');
          await page.getByRole('button', { name: 'Reload to update' }).click();
          await reloaded;
          await page.getByLabel('People served').waitFor();
          assert.equal(
            await page.evaluate(() => (window as { beforeUpdate?: boolean }).beforeUpdate),
            undefined,
            'the page reloaded',
          );
          assert.equal(dev.activatedVersions.size, 2, 'the new version took over');
          assert.ok(
            await page.evaluate(async () => {
              const r = await navigator.serviceWorker.ready;
              return r.waiting === null && navigator.serviceWorker.controller === r.active;
            }),
            'the new version controls the page and nothing waits',
          );
          assert.equal(await page.getByText('A new version of Fieldsync is ready.').count(), 0);
          assert.equal(await page.getByLabel('People served').inputValue(), '77', 'the draft is intact');

          // The old version's tag is still registered; the new worker sends it on the browser's next attempt.
          assert.ok((await syncTags(page)).includes(tagOf(id)));
          await server.start();
          await dev.dispatchSync(tagOf(id));
          await page.getByRole('link', { name: /Outbox/ }).click();
          await statusOf(page, id, 'Sent').waitFor();
          const held = await server.submissions();
          assert.deepEqual(
            held.map((s) => s.id),
            [id],
          );
        },
        { backgroundSync: true },
      );
    } finally {
      await rm(build2, { recursive: true, force: true });
    }
  });
});

describe('Background Sync', () => {
  it('is the sending path where the browser has it and allows it, and what was saved offline is sent once when the network returns', async () => {
    await withWorld(
      async (w) => {
        const { page, context, server, door } = w;
        await visit(w);
        await openDiagnostics(page);
        await page.getByText(BACKGROUND_SYNC_PATH).waitFor();
        await page.getByText('Background Sync: granted').waitFor();

        await context.setOffline(true);
        const id = await saveDemoSubmission(page, [121]);
        await statusOf(page, id, 'Queued').waitFor();
        await until(async () => (await syncTags(page)).includes(tagOf(id)), 'the tag registered');
        assert.deepEqual(
          door.apiLog.filter((r) => /^PUT \/api\/(submissions|photos)\//.test(r)),
          [],
          'no submission or photo reached the front door while offline',
        );

        await context.setOffline(false);
        await statusOf(page, id, 'Sent').waitFor({ timeout: 20_000 });
        const held = await server.submissions();
        assert.deepEqual(
          held.map((s) => s.id),
          [id],
        );
        // The worker (its tag fires) and the open page (the `online` event) both try; the lock lets one send.
        assert.equal(seen(w, `PUT /api/photos/${held[0]!.photos[0]!.sha256}`), 1, 'the photo was sent once');
        await until(async () => !(await syncTags(page)).includes(tagOf(id)), 'the tag done');
      },
      { backgroundSync: true },
    );
  });

  it('delivers a submission saved offline after every page of the app has been closed, and tells the supervisor none is left', async () => {
    await withWorld(
      async (w) => {
        const { page, context, server } = w;
        await visit(w);
        await context.setOffline(true);
        const id = await saveDemoSubmission(page, [131]);
        await until(async () => (await syncTags(page)).includes(tagOf(id)), 'the tag registered');
        await openDiagnostics(page);
        await page.getByText(tagOf(id)).waitFor();

        await page.close();
        assert.equal(context.pages().length, 0);
        await context.setOffline(false);
        await until(async () => (await server.submissions()).length > 0, 'the arrival', 20_000);
        const held = await server.submissions();
        assert.deepEqual(
          held.map((s) => s.id),
          [id],
        );
        // With no page open, only the worker can report after the arrival that nothing waits.
        const arrival = Date.parse(held[0]!.receipt.receivedAt);
        await until(async () => {
          const list = (await (await server.get('/api/review/outboxes')).json()) as DeviceOutboxList;
          const report = list.devices.find((d) => d.deviceId === w.device?.id);
          return !!report && Date.parse(report.receivedAt) > arrival && report.waiting === 0;
        }, "the worker's report of an empty outbox");
      },
      { backgroundSync: true },
    );
  });

  it('keeps a submission queued while sync events fail, makes it waiting after the last chance, and sends it once the app starts again', async () => {
    await withWorld(
      async (w) => {
        const { page, server, door } = w;
        await visit(w, '/outbox');
        const dev = await devTools(w);
        door.fault = { status: 503, count: 1000 };
        // Queued, with no tag: as the browser leaves a submission after dropping its tag.
        const [id] = await seedOutbox(page, 1);
        const tag = tagOf(id!);
        assert.deepEqual(await syncTags(page), []);

        await dev.dispatchSync(tag);
        await until(async () => (await outboxRecord(page, id!))?.attempts === 1, 'the first attempt');
        assert.deepEqual(await outboxRecord(page, id!), {
          status: 'queued',
          attempts: 1,
          lastError: 'The server is not available (HTTP 503).',
        });
        await dev.dispatchSync(tag);
        await until(async () => (await outboxRecord(page, id!))?.attempts === 2, 'the second attempt');
        assert.equal((await outboxRecord(page, id!))?.status, 'queued');

        await dev.dispatchSync(tag, true);
        await statusOf(page, id!, 'Waiting').waitFor();
        assert.deepEqual(await outboxRecord(page, id!), {
          status: 'waiting',
          attempts: 3,
          lastError: 'The server is not available (HTTP 503).',
        });
        assert.equal((await server.submissions()).length, 0);

        // The first try began with the photo, refused at the door: count from the server's return.
        const fromHere = door.apiLog.length;
        door.fault = { status: 0, count: 0 };
        await page.reload();
        await statusOf(page, id!, 'Sent').waitFor();
        const held = await server.submissions();
        assert.deepEqual(
          held.map((s) => s.id),
          [id],
        );
        assert.equal(seenSince(w, fromHere, `PUT /api/photos/${held[0]!.photos[0]!.sha256}`), 1);
      },
      { backgroundSync: true },
    );
  });

  it("gives up after Chromium's own last attempt, and the app registers the tag again at its next start", async () => {
    // Chromium's 3 attempts, 1 s apart instead of about 5 and 15 minutes.
    const fast = await chromium.launch({
      executablePath: chromePath(),
      args: [
        ...CHROMIUM_ARGS,
        '--force-fieldtrials=BackgroundSync/Fast',
        '--force-fieldtrial-params=BackgroundSync.Fast:max_sync_attempts/3/initial_retry_delay_sec/1/retry_delay_factor/1',
      ],
    });
    try {
      await withWorld(
        async (w) => {
          const { page, server, door } = w;
          await visit(w);
          door.fault = { status: 503, count: 1000 };
          const id = await saveDemoSubmission(page, [141]);
          await until(async () => (await syncTags(page)).includes(tagOf(id)), 'the tag registered');

          // No page of the app in view, so the browser's own schedule applies: a page
          // at the origin that the worker does not control and that runs no app code.
          const cdp = await page.context().newCDPSession(page);
          await cdp.send('Network.enable');
          await cdp.send('Network.setBypassServiceWorker', { bypass: true });
          await page.goto(`${door.url}/api/health`);
          assert.equal(await page.evaluate(() => navigator.serviceWorker.controller), null);
          await until(async () => (await syncTags(page)).length === 0, 'the browser dropped the tag');
          const record = await outboxRecord(page, id);
          assert.equal(record?.status, 'waiting');
          assert.ok((record?.attempts ?? 0) >= 3, `attempts: ${record?.attempts}`);
          // A first try begins with the photo, a later one with the record: each makes at least one PUT.
          const puts = door.apiLog.filter((r) => r.startsWith('PUT /api/')).length;
          assert.ok(puts >= 3, `at least one PUT for each of Chromium's attempts (${puts})`);

          door.fault = { status: 0, count: 0 };
          await cdp.send('Network.setBypassServiceWorker', { bypass: false });
          await page.goto(`${door.url}/outbox`);
          await statusOf(page, id, 'Sent').waitFor();
          assert.equal((await server.submissions()).length, 1);
        },
        { backgroundSync: true, browser: fast },
      );
    } finally {
      await fast.close();
    }
  });

  it('sends exactly once, each photo once, when "Send now" and a sync event race for one submission', async (t) => {
    await withWorld(
      async (w) => {
        const { page, server } = w;
        await visit(w);
        const dev = await devTools(w);
        await server.kill();
        const id = await saveDemoSubmission(page, [151, 152]);
        // The browser's immediate attempt fails: the server is down.
        await until(async () => ((await outboxRecord(page, id))?.attempts ?? 0) >= 1, 'the first attempt');

        // A first try, made while the server was down, began with the photos: count from its return.
        const fromHere = w.door.apiLog.length;
        await server.start();
        // Slow answers, so that both senders are under way at once.
        w.door.latencyMs = 300;
        const puts = pagePuts(page);
        await Promise.all([
          page.getByRole('button', { name: 'Send now' }).click(),
          dev.dispatchSync(tagOf(id)),
        ]);
        await statusOf(page, id, 'Sent').waitFor();
        const held = await server.submissions();
        assert.deepEqual(
          held.map((s) => s.id),
          [id],
        );
        assert.equal(held[0]!.photos.length, 2);
        for (const photo of held[0]!.photos) {
          assert.equal(
            seenSince(w, fromHere, `PUT /api/photos/${photo.sha256}`),
            1,
            `photo ${photo.sha256} PUT once`,
          );
        }
        t.diagnostic(`the ${puts.length ? 'page' : 'worker'} won the race`);
      },
      { backgroundSync: true },
    );
  });
});

describe('without Background Sync', () => {
  it('sends from the page where the browser has no SyncManager', async () => {
    await withWorld(
      async (w) => {
        const { page, context, server } = w;
        await context.addInitScript(() => {
          delete (window as { SyncManager?: unknown }).SyncManager;
        });
        await visit(w);
        assert.equal(await page.evaluate(() => 'SyncManager' in window), false);
        await openDiagnostics(page);
        await page.getByText(PAGE_PATH).waitFor();
        await page.getByText('This browser has no Background Sync.').waitFor();

        const puts = pagePuts(page);
        await context.setOffline(true);
        const id = await saveDemoSubmission(page, [171]);
        await statusOf(page, id, 'Queued').waitFor();
        await context.setOffline(false);
        await statusOf(page, id, 'Sent').waitFor();
        assert.ok(
          puts.some((p) => p.startsWith(`/api/submissions/${id}`)),
          'the page sent it',
        );
        assert.deepEqual(await syncTags(page), [], 'no tag was registered');
        assert.equal((await server.submissions()).length, 1);
      },
      { backgroundSync: true },
    );
  });

  it('sends from the page where Background Sync is not allowed, and says why', async () => {
    await withWorld(async (w) => {
      const { page, server, door } = w;
      await visit(w);
      // openWorld grants geolocation only, and Playwright denies whatever it does not grant.
      assert.equal(
        await page.evaluate(
          async () =>
            (await navigator.permissions.query({ name: 'background-sync' as PermissionName })).state,
        ),
        'denied',
      );
      await openDiagnostics(page);
      await page.getByText(PAGE_PATH).waitFor();
      await page.getByText('Background Sync is not allowed for this site (permission: denied).').waitFor();
      const puts = pagePuts(page);
      const id = await saveDemoSubmission(page, [181]);
      await statusOf(page, id, 'Sent').waitFor();
      assert.ok(
        puts.some((p) => p.startsWith(`/api/submissions/${id}`)),
        'the page sent it',
      );
      assert.deepEqual(await syncTags(page), []);
      assert.equal((await server.submissions()).length, 1);

      // Chromium's own default, in a context without a permission list, is to allow it.
      const plain = await browser.newContext();
      try {
        const other = await plain.newPage();
        await other.goto(`${door.url}/diagnostics`);
        await other.getByText(BACKGROUND_SYNC_PATH).waitFor();
        await other.getByText('Background Sync: granted').waitFor();
      } finally {
        await plain.close();
      }
    });
  });
});
