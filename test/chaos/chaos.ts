/**
 * A chaos run: the built app in a real Chromium and the real server behind
 * the fault door, driven by a seeded schedule. Submissions with photos are
 * captured through the app (a field worker's screens, or a kiosk's) while
 * requests fail, the server is SIGKILLed and restarted on its data, and
 * Chromium itself is killed and started again on its profile. A supervisor's
 * review screen watches live throughout. Then the faults stop, the app is
 * given time to deliver, and the device and the review screen are checked
 * against the server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { fillDemoForm } from '../e2e/demo-form.js';
import { cameraJpeg, enrollContext, launchBrowser, ServerProcess, until } from '../e2e/harness.js';
import { BrowserProcess } from './browser-process.js';
import { check, deviceRecords, type Verdict } from './check.js';
import { DEFAULT_RATES, FaultDoor, type Fault, type FaultRates } from './fault-door.js';
import { seededRandom } from '../support/seeded-random.js';
import { checkReview, openReview } from './review-watch.js';

export interface ChaosOptions {
  seed: number;
  submissions: number;
  /** Chance, after each capture, that the server is killed (and restarted a moment later). */
  serverKillRate?: number;
  /** Chance, after each capture, that Chromium is killed and started again. */
  browserKillRate?: number;
  /** Background Sync allowed (the worker sends too), or the page path alone. */
  backgroundSync?: boolean;
  /** Captures through kiosk mode (one stranger after another) rather than a field worker's screens. */
  kiosk?: boolean;
  /** The chance of each fault per request; DEFAULT_RATES when omitted. */
  rates?: FaultRates;
  /** How long the app may take to deliver everything once the faults stop. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport extends Verdict {
  seed: number;
  backgroundSync: boolean;
  kiosk: boolean;
  faults: Record<Fault, number>;
  serverKills: number;
  browserKills: number;
  /** Background Sync tags still registered once everything is settled. */
  tagsLeft: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const KIOSK_PIN = '482915';

async function openApp(
  context: BrowserContext,
  url: string,
  backgroundSync: boolean,
  kiosk = false,
): Promise<Page> {
  // As in the end-to-end harness: a loaded machine may need longer than Playwright's 30 s.
  context.setDefaultTimeout(120_000);
  await context.grantPermissions(backgroundSync ? ['geolocation', 'background-sync'] : ['geolocation'], {
    origin: url,
  });
  await context.setGeolocation({ latitude: -0.0917, longitude: 34.768, accuracy: 6 });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url);
  // A kiosk holds its own address: whatever is opened, its form comes up.
  if (kiosk) await page.getByLabel('People served').waitFor();
  else
    await page
      .getByRole('link', { name: 'Outbox' })
      .or(page.getByRole('link', { name: /Outbox/ }))
      .first()
      .waitFor();
  return page;
}

/** Sets the device up as a kiosk for the demo form, as staff would. */
async function startKiosk(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/kiosk/setup`);
  await page.getByLabel('Water point inspection').check();
  await page.getByLabel('Kiosk PIN').fill(KIOSK_PIN);
  await page.getByLabel('Repeat the PIN').fill(KIOSK_PIN);
  await page.getByRole('button', { name: 'Save and start kiosk mode' }).click();
  await page.getByLabel('People served').waitFor();
}

/** One stranger at the kiosk: fills the form, saves, and starts the next one from the thank-you. */
async function kioskCapture(page: Page, marker: number): Promise<void> {
  await page.getByLabel('People served').waitFor();
  await fillDemoForm(page, { peopleServed: String(marker), photos: [await cameraJpeg(page, marker)] });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Thank you' }).waitFor();
  await page.getByRole('button', { name: 'Start a new form' }).click();
  await page.getByLabel('People served').waitFor();
}

/** One capture through the app, as a field worker would; resolves once the app has saved it. */
async function capture(page: Page, marker: number): Promise<void> {
  await page.getByRole('link', { name: 'Forms', exact: true }).click();
  await page.getByRole('link', { name: 'Water point inspection' }).click();
  await page.getByLabel('People served').waitFor();
  await fillDemoForm(page, { peopleServed: String(marker), photos: [await cameraJpeg(page, marker)] });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  // Two streams from one seed: the kill schedule then depends only on the
  // captures, not on how many requests the app happened to make.
  const random = seededRandom(o.seed);
  const faultRandom = seededRandom(o.seed ^ 0x5eed);
  const backgroundSync = o.backgroundSync ?? o.seed % 2 === 1;
  const kiosk = o.kiosk ?? false;
  const started = Date.now();
  const server = new ServerProcess();
  await server.start();
  const door = new FaultDoor(server, faultRandom, o.rates ?? DEFAULT_RATES);
  await door.start();
  const profile = await mkdtemp(join(tmpdir(), 'fieldsync-chaos-profile-'));
  const browser = new BrowserProcess(profile);
  const supervisorBrowser = await launchBrowser();
  let serverKills = 0;
  let browserKills = 0;
  let restarting: Promise<void> = Promise.resolve();
  try {
    // Enrolled as a field worker's phone is, then closed cleanly so that the credential is on the profile's disk:
    // the kills below are about the outbox, not about a cookie set a moment before them.
    await enrollContext(await browser.start(), door.url, server);
    await browser.close();
    let page = await openApp(await browser.start(), door.url, backgroundSync);
    await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    // The sending path is chosen at start-up, once the worker is there.
    await page.reload();
    await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
    if (kiosk) await startKiosk(page, door.url);
    const review = await openReview(supervisorBrowser, server);

    door.faulty = true;
    const markers = new Set<number>();
    for (let i = 1; i <= o.submissions; i++) {
      await (kiosk ? kioskCapture(page, i) : capture(page, i));
      markers.add(i);
      if (random() < (o.serverKillRate ?? 0.08)) {
        serverKills++;
        const downFor = 500 + Math.floor(random() * 4000);
        log(`after capture ${i}: server killed for ${downFor} ms`);
        await restarting;
        await server.kill();
        restarting = sleep(downFor).then(() => server.start());
        // Seen at the next await (inside this try, so the clean-up runs), not as an unhandled rejection.
        restarting.catch(() => undefined);
      }
      if (random() < (o.browserKillRate ?? 0.04)) {
        browserKills++;
        log(`after capture ${i}: Chromium killed`);
        await browser.kill();
        page = await openApp(await browser.start(), door.url, backgroundSync, kiosk);
      }
    }

    // The faults stop; the app, left open, must deliver everything by itself.
    await restarting;
    door.faulty = false;
    await server.start();
    log(`${o.submissions} captured; faults off, waiting for delivery`);
    await until(
      async () => (await deviceRecords(page)).every((r) => r.status === 'sent' || r.status === 'rejected'),
      'every submission settled',
      o.settleMs ?? 120_000,
    ).catch((e: unknown) => log(String(e)));
    const verdict = await check(page, server, markers);
    const held = (await server.submissions()).map((x) => x.id);
    verdict.problems.push(...(await checkReview(review, held, 60_000)));
    verdict.reviewProblems = verdict.problems.filter((p) => p.startsWith('review screen:')).length;
    // Tags of sent submissions clear when the browser next fires them (its retry delay): how many wait.
    const tagsLeft = await page.evaluate(() =>
      navigator.serviceWorker.ready.then((r) =>
        'sync' in r ? (r as ServiceWorkerRegistration & { sync: SyncManager }).sync.getTags() : [],
      ),
    );
    return {
      ...verdict,
      tagsLeft: tagsLeft.length,
      seed: o.seed,
      backgroundSync,
      kiosk,
      faults: { ...door.injected },
      serverKills,
      browserKills,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await supervisorBrowser.close();
    await browser.kill();
    await door.stop();
    await server.dispose();
    await rm(profile, { recursive: true, force: true });
  }
}

/** The report's closing line, and any problems, in words. */
export function describeReport(r: ChaosReport): string {
  const faults = Object.entries(r.faults)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `seed ${r.seed} (${r.kiosk ? 'kiosk, ' : ''}${r.backgroundSync ? 'Background Sync' : 'page'} path, ${r.seconds} s): ${r.captured} captured; ` +
      `faults: ${faults}; server killed ${r.serverKills}×, Chromium killed ${r.browserKills}×; ` +
      `${r.tagsLeft} sync tags still registered`,
    `  lost ${r.lost}, duplicated ${r.duplicated}, corrupted ${r.corrupted}, pending ${r.pending}, extra ${r.extra}; ` +
      `review screen problems ${r.reviewProblems}`,
    ...r.problems.map((p) => `  - ${p}`),
  ].join('\n');
}
