/**
 * Performance figures of the built app against the real server, printed, not
 * asserted: the capture screen's initial JavaScript, the cost of saving a
 * submission with three 12-megapixel photos, and the rate of draining a
 * queue of 200 submissions.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { launchBrowser, openWorld, outboxStatuses, root, seedOutbox, until } from '../test/e2e/harness.js';
import { fillDemoForm } from '../test/e2e/demo-form.js';

const appDir = join(root, 'dist/app');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;

/** The scripts index.html loads before anything is shown: the entry and its static imports. */
async function initialJavaScript(): Promise<void> {
  const html = await readFile(join(appDir, 'index.html'), 'utf8');
  const urls = [
    ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g),
  ].map((m) => m[1]!);
  let raw = 0;
  let gz = 0;
  for (const u of new Set(urls)) {
    const body = await readFile(join(appDir, u));
    raw += body.length;
    gz += gzipSync(body, { level: 9 }).length;
  }
  console.info(
    `Initial JavaScript of the capture screen: ${kB(gz)} gzipped (${kB(raw)} raw, ${urls.length} file(s))`,
  );
}

/** Saving a submission with three 12 MP photos: attach, process (resize, hash, store), save. */
async function savingWithPhotos(browser: Browser): Promise<void> {
  const world = await openWorld(browser);
  try {
    const { page } = world;
    await page.addInitScript(() => {
      const w = window as unknown as { longest: number };
      w.longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    await page.goto(world.door.url);
    await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
    // 12 MP camera-like images, made and kept in the page (megabytes are not worth shipping
    // through the driver); noise makes them as large as real photos.
    const sizes = await page.evaluate(async () => {
      const files: File[] = [];
      for (let n = 0; n < 3; n++) {
        const canvas = new OffscreenCanvas(4000, 3000);
        const ctx = canvas.getContext('2d')!;
        const img = ctx.createImageData(4000, 3000);
        for (let i = 0; i < img.data.length; i += 4) {
          const v = (Math.random() * 255) | 0;
          img.data[i] = v;
          img.data[i + 1] = (v + n * 60) & 255;
          img.data[i + 2] = 255 - v;
          img.data[i + 3] = 255;
        }
        ctx.putImageData(img, 0, 0);
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
        files.push(new File([blob], `big-${n}.jpg`, { type: 'image/jpeg' }));
      }
      (window as unknown as { benchFiles: File[] }).benchFiles = files;
      return files.map((f) => f.size);
    });
    const times: number[] = [];
    const longest: number[] = [];
    for (let run = 0; run < 5; run++) {
      // In-app navigation: the page (and the files made in it) stays.
      await page.getByRole('link', { name: 'Forms', exact: true }).click();
      await page.getByRole('link', { name: 'Water point inspection' }).click();
      await fillDemoForm(page, { photos: [] });
      await page.evaluate(() => ((window as unknown as { longest: number }).longest = 0));
      const t0 = Date.now();
      // As the file picker does: the files land on the input and it fires change.
      await page.getByLabel('Take or choose photos').evaluate((input: HTMLInputElement) => {
        const dt = new DataTransfer();
        for (const f of (window as unknown as { benchFiles: File[] }).benchFiles) dt.items.add(f);
        input.files = dt.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      });
      await page.getByRole('button', { name: /Remove photo 3/ }).waitFor();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Outbox' }).waitFor();
      times.push(Date.now() - t0);
      longest.push(await page.evaluate(() => (window as unknown as { longest: number }).longest));
    }
    console.info(
      `Saving a submission with three 12 MP photos (${sizes.map(kB).join(', ')}): median ${median(times)} ms of 5 ` +
        `(${times.join(', ')} ms); longest main-thread task median ${median(longest).toFixed(0)} ms (max ${Math.max(...longest).toFixed(0)} ms)`,
    );
  } finally {
    await world.close();
  }
}

/** Draining 200 queued submissions, one photo each, to the local server. */
async function draining(browser: Browser): Promise<void> {
  const world = await openWorld(browser);
  try {
    const { page, server } = world;
    await server.kill();
    await page.goto(world.door.url);
    const ids = await seedOutbox(page, 200);
    await page.reload();
    await page
      .getByRole('heading', { name: 'Forms' })
      .or(page.getByRole('link', { name: 'Forms' }))
      .first()
      .waitFor();
    const t0 = Date.now();
    await server.start();
    await page.evaluate(() => dispatchEvent(new Event('online')));
    await until(
      async () => {
        const st = await outboxStatuses(page);
        return ids.every((id) => st[id] === 'sent');
      },
      '200 submissions sent',
      300_000,
    );
    const s = (Date.now() - t0) / 1000;
    const held = (await server.submissions()).length;
    console.info(
      `Draining 200 queued submissions with one photo each: ${s.toFixed(1)} s, ${(200 / s).toFixed(1)} submissions/s (server holds ${held})`,
    );
  } finally {
    await world.close();
  }
}

// `node run.js drain` runs only the benchmarks named.
const only = new Set(process.argv.slice(2));
const wanted = (name: string) => only.size === 0 || only.has(name);
const browser = await launchBrowser();
try {
  if (wanted('size')) await initialJavaScript();
  if (wanted('save')) await savingWithPhotos(browser);
  if (wanted('drain')) await draining(browser);
} finally {
  await browser.close();
}
