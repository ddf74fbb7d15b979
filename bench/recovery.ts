/**
 * How soon a submission arrives once the server answers again, with the app
 * open on the outbox: on the page path and the Background Sync path, after
 * a short and a long outage. The browser stays online throughout (only the
 * server is away), so no browser event announces the recovery.
 */
import type { Browser } from 'playwright-core';
import { fillDemoForm } from '../test/e2e/demo-form.js';
import { cameraJpeg, openWorld, until, type World } from '../test/e2e/harness.js';

const SHORT_OUTAGE_S = Number(process.env.RECOVERY_SHORT_S ?? 10);
const LONG_OUTAGE_S = Number(process.env.RECOVERY_LONG_S ?? 150);
const SHORT_RUNS = Number(process.env.RECOVERY_SHORT_RUNS ?? 6);
const LONG_RUNS = Number(process.env.RECOVERY_LONG_RUNS ?? 2);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Saves one demo submission through the app while the server is away. */
async function saveWhileDown(w: World, seed: number): Promise<void> {
  const { page } = w;
  await page.getByRole('link', { name: 'Forms' }).click();
  await page.getByRole('link', { name: 'Water point inspection' }).click();
  await page.getByLabel('People served').waitFor();
  await fillDemoForm(page, { photos: [await cameraJpeg(page, seed)] });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
}

/** Milliseconds from the server answering again to the server holding the new submission. */
async function oneOutage(w: World, seed: number, outageS: number): Promise<number> {
  const { server } = w;
  const before = (await server.submissions()).length;
  await server.kill();
  await saveWhileDown(w, seed);
  await sleep(outageS * 1000);
  await server.start();
  const t0 = Date.now();
  await until(
    async () => (await server.submissions()).length > before,
    'the submission on the server',
    120_000,
  );
  return Date.now() - t0;
}

export async function recovery(browser: Browser): Promise<void> {
  for (const path of ['page', 'background-sync'] as const) {
    const w = await openWorld(browser);
    try {
      if (path === 'background-sync') await w.context.grantPermissions(['background-sync']);
      await w.page.goto(w.door.url);
      await w.page.getByRole('link', { name: 'Water point inspection' }).waitFor();
      await w.page.evaluate(() => navigator.serviceWorker.ready);
      // The path is chosen at start-up: reload so it sees the permission.
      await w.page.reload();
      await w.page.getByRole('link', { name: 'Diagnostics' }).click();
      const shown =
        path === 'background-sync' ? /Background Sync is available/ : /not allowed|no Background Sync/;
      await w.page.getByText(shown).first().waitFor();
      let seed = 1;
      for (const [label, outageS, runs] of [
        ['short', SHORT_OUTAGE_S, SHORT_RUNS],
        ['long', LONG_OUTAGE_S, LONG_RUNS],
      ] as const) {
        if (runs === 0) continue;
        const times: number[] = [];
        for (let i = 0; i < runs; i++) times.push(await oneOutage(w, seed++, outageS));
        console.info(
          `Recovery, ${path} path, ${label} outage (${outageS} s, ${runs} runs): server answering to submission held ` +
            `median ${percentile(times, 50)} ms, p95 ${percentile(times, 95)} ms, max ${Math.max(...times)} ms ` +
            `(${times.join(', ')} ms)`,
        );
      }
    } finally {
      await w.close();
    }
  }
}
