/**
 * Performance figures of the built app against the real server, printed, not
 * asserted: the capture screen's initial JavaScript, the cost of saving a
 * submission with three 12-megapixel photos, the rate of draining a
 * queue of 200 submissions, and, with the 20,000-village list of the
 * "Household visit" form, the time from a key in its search box to the
 * updated list and the time to store the reference data.
 */
import { readFile } from 'node:fs/promises';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
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

/**
 * The reference data with the 20,000-village list: its size on the wire, how
 * fast the server answers, and the time to store a refreshed copy on the device.
 */
async function storingReference(browser: Browser): Promise<void> {
  const world = await openWorld(browser);
  try {
    const { page, server } = world;
    const url = `${server.url}/api/reference`;
    const serverTimes: number[] = [];
    let raw = 0;
    let encoding = 'none';
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      // node:http, not fetch: fetch decodes the body, and the bytes on the wire are the point.
      const { body, headers } = await new Promise<{ body: Buffer; headers: IncomingHttpHeaders }>(
        (resolve, reject) => {
          httpGet(url, { headers: { 'Accept-Encoding': 'br, gzip' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ body: Buffer.concat(chunks), headers: res.headers }));
          }).on('error', reject);
        },
      );
      serverTimes.push(performance.now() - t0);
      raw = body.length;
      encoding = String(headers['content-encoding'] ?? 'none');
    }
    const json = Buffer.from(await (await fetch(url)).text());
    console.info(
      `GET /api/reference: ${kB(raw)} on the wire (content-encoding: ${encoding}; ${kB(json.length)} JSON, ` +
        `${kB(gzipSync(json).length)} if gzipped), median ${median(serverTimes).toFixed(1)} ms of 5 from the local server`,
    );

    await page.goto(world.door.url);
    await page.getByRole('link', { name: 'Household visit' }).waitFor();
    const ms = await page.evaluate(async () => {
      const data = (await (await fetch('/api/reference')).json()) as unknown;
      const open = () =>
        new Promise<IDBDatabase>((resolve, reject) => {
          const req = indexedDB.open('bench-reference');
          req.onupgradeneeded = () => req.result.createObjectStore('keyval');
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
      const db = await open();
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        const value = { schema: 1, data, etag: `"run-${i}"`, checkedAt: new Date().toISOString() };
        const t0 = performance.now();
        // What idb-keyval's set does: one put in one readwrite transaction, done at complete.
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction('keyval', 'readwrite');
          tx.objectStore('keyval').put(value, 'reference');
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
        out.push(performance.now() - t0);
      }
      db.close();
      return out;
    });
    console.info(
      `Storing the reference data (20,000-village list included) in IndexedDB: median ${median(ms).toFixed(1)} ms of 5 ` +
        `(${ms.map((t) => t.toFixed(0)).join(', ')} ms)`,
    );
  } finally {
    await world.close();
  }
}

/** Finds an element through open shadow roots, in the page. */
const DEEP_QUERY = `(function deep(root, sel) {
  const hit = root.querySelector(sel);
  if (hit) return hit;
  for (const el of root.querySelectorAll('*')) {
    const found = el.shadowRoot && deep(el.shadowRoot, sel);
    if (found) return found;
  }
  return null;
})`;

/**
 * Typing a village name in the search box of a 20,000-entry select_one: from
 * each keydown to the frame after the list has updated, measured in the page.
 */
async function villageSearch(browser: Browser): Promise<void> {
  const world = await openWorld(browser);
  try {
    const { page } = world;
    await page.goto(world.door.url);
    await page.getByRole('link', { name: 'Household visit' }).click();
    await page.getByLabel('Search the list').waitFor();
    const villages = JSON.parse(
      await readFile(join(root, 'server/demo-forms/lists/villages.json'), 'utf8'),
    ) as { label: string }[];
    // A two-word name typed in full, then another: about twenty keys that narrow, widen and narrow.
    const words = villages.filter((v) => v.label.includes(' ')).map((v) => v.label);
    const typed = [words[7_000]!, words[3_000]!.split(' ')[0]!];
    await page.evaluate((deepSrc) => {
      type Field = HTMLElement & { updateComplete: Promise<unknown> };
      const deep = new Function(`return ${deepSrc}`)() as (r: ParentNode, s: string) => Element | null;
      const input = deep(document, '#filter') as HTMLInputElement;
      const field = (input.getRootNode() as ShadowRoot).host as Field;
      const list = field.shadowRoot!.querySelector('#list')!;
      const w = window as unknown as { keyTimes: { frame: number; painted: number; added: number }[] };
      w.keyTimes = [];
      let t0 = 0;
      let added = 0;
      new MutationObserver((records) => {
        for (const r of records) added += r.addedNodes.length;
      }).observe(list, { childList: true, subtree: true });
      input.addEventListener('keydown', () => {
        t0 = performance.now();
        added = 0;
      });
      // After the field's own input listener: its update is scheduled by now.
      input.addEventListener('input', () => {
        void field.updateComplete.then(() =>
          requestAnimationFrame(() => {
            const frame = performance.now() - t0;
            // A message posted from a frame callback runs after that frame is painted.
            const ch = new MessageChannel();
            ch.port1.onmessage = () => w.keyTimes.push({ frame, painted: performance.now() - t0, added });
            ch.port2.postMessage(null);
          }),
        );
      });
    }, DEEP_QUERY);
    await page.getByLabel('Search the list').focus();
    type KeyTime = { frame: number; painted: number; added: number };
    const times = () => page.evaluate(() => (window as unknown as { keyTimes: KeyTime[] }).keyTimes);
    let keys = 0;
    const press = async (key: string) => {
      await page.keyboard.press(key);
      keys++;
      await page.waitForFunction(
        (n) => (window as unknown as { keyTimes: unknown[] }).keyTimes.length >= n,
        keys,
      );
    };
    for (const [i, text] of typed.entries()) {
      if (i > 0) {
        // Clearing the box is a key too: the widest search there is.
        await page.keyboard.press('ControlOrMeta+A');
        await press('Backspace');
      }
      for (const ch of text) await press(ch === ' ' ? 'Space' : ch);
    }
    const all = await times();
    const frame = all.map((t) => t.frame);
    const painted = all.map((t) => t.painted);
    const added = all.map((t) => t.added);
    console.info(
      `Village search, 20,000 entries, ${keys} keys typing "${typed.join('", clear, "')}": ` +
        `keydown to next frame after the update median ${median(frame).toFixed(1)} ms (max ${Math.max(...frame).toFixed(1)}), ` +
        `to painted median ${median(painted).toFixed(1)} ms (max ${Math.max(...painted).toFixed(1)}); ` +
        `list nodes added per key median ${median(added)} (max ${Math.max(...added)})`,
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
  if (wanted('village-search')) await villageSearch(browser);
  if (wanted('reference-store')) await storingReference(browser);
} finally {
  await browser.close();
}
