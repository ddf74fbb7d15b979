/**
 * Start-up on a phone-sized screen: what is drawn first stays where it is
 * while the forms download and the shell fills in (no layout shift).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, withWorld } from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

/** Collects the page's layout shifts from its first moment, as Cumulative Layout Shift counts them. */
async function recordShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { shifts: { value: number; at: string[] }[] };
    w.shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & {
        value: number;
        hadRecentInput: boolean;
        sources: { node: Node | null }[];
      })[]) {
        if (!e.hadRecentInput)
          w.shifts.push({
            value: e.value,
            at: e.sources.map((s) => s.node?.nodeName ?? 'a node in a shadow root'),
          });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

async function shifts(page: Page): Promise<{ value: number; at: string[] }[]> {
  return page.evaluate(() => (window as unknown as { shifts: { value: number; at: string[] }[] }).shifts);
}

const total = (s: { value: number }[]) => s.reduce((sum, x) => sum + x.value, 0);

describe('start-up', () => {
  it('does not move the forms list while the forms download on a first visit', async () => {
    await withWorld(browser, async ({ page, door }) => {
      await recordShifts(page);
      await page.goto(door.url);
      await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
      await page.getByText(/Forms and lists refreshed/).waitFor();
      await page.getByRole('button', { name: 'Refresh now' }).waitFor();
      await page.getByRole('heading', { name: 'Unfinished forms' }).waitFor();
      const seen = await shifts(page);
      assert.ok(total(seen) <= 0.02, `layout shifts: ${JSON.stringify(seen)}`);
    });
  });

  it('does not move a form while it opens, first visit or not', async () => {
    await withWorld(browser, async ({ page, door }) => {
      await recordShifts(page);
      for (const visit of ['first', 'again']) {
        await page.goto(`${door.url}/forms/water-point-inspection`);
        await page.getByRole('heading', { name: 'Water point inspection' }).waitFor();
        await page.getByText(/Forms and lists refreshed/).waitFor();
        const seen = await shifts(page);
        assert.ok(total(seen) <= 0.02, `${visit} visit, layout shifts: ${JSON.stringify(seen)}`);
      }
    });
  });
});
