/**
 * A Chromium that records nothing of its traffic, for benches that count
 * requests per second. Playwright turns on DevTools' network events in
 * every page and service worker it drives, with no switch for pages, so
 * Chromium describes each request to it (headers, body, timings) as it goes.
 * On two cores that cost Chromium about 10 ms of CPU per submission of a
 * page's drain, two-thirds again of the 15 ms the sending itself takes, and
 * the drain went from about 45 submissions/s to about 65-75/s without it.
 * A field worker's browser has no debugger attached, so the
 * benches that compare senders drive Chromium with puppeteer-core, whose
 * network events can be left off (`networkEnabled: false`).
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { openBehindDoor, type FrontDoor, type ServerProcess } from '../test/e2e/harness.js';
import { CHROMIUM_ARGS, chromePath } from '../test/support/chromium.js';

export type { Page as QuietPage };

export function launchQuietChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromePath(),
    args: CHROMIUM_ARGS,
    headless: true,
    networkEnabled: false,
    issuesEnabled: false,
    defaultViewport: { width: 390, height: 844 },
  });
}

/** The real server, its front door, and one page enrolled as a device, in a browser context of its own. */
export interface QuietWorld {
  server: ServerProcess;
  door: FrontDoor;
  page: Page;
  close(): Promise<void>;
}

export interface QuietWorldOptions {
  /** Background Sync allowed, as Chromium allows it unless told otherwise: the worker sends too. */
  backgroundSync?: boolean;
}

export function openQuietWorld(browser: Browser, options: QuietWorldOptions = {}): Promise<QuietWorld> {
  return openBehindDoor({}, async (server, door, onClose) => {
    const context = await browser.createBrowserContext();
    onClose(() => context.close());
    // Only what is named is granted (test/e2e/harness.ts does the same): without
    // Background Sync the page alone sends, the path every browser has.
    await context.overridePermissions(door.url, [
      'geolocation',
      ...(options.backgroundSync ? (['background-sync'] as const) : []),
    ]);
    const page = await context.newPage();
    // Waits end as soon as their state is reached; the limit only matters on a loaded machine.
    page.setDefaultTimeout(120_000);
    page.on('pageerror', (e) => console.error('page error:', e));
    // Enrolled as a field worker's phone is: by the link an administrator makes.
    const { code } = await server.enrollment({ name: 'Bench browser' });
    await page.goto(`${door.url}/enroll#code=${code}`);
    await page.waitForSelector('::-p-text(This device is enrolled as Bench browser)');
    return { page };
  });
}
