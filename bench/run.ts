/**
 * Performance figures of the built app against the real server, printed, not
 * asserted: the capture screen's initial JavaScript, the cost of saving a
 * submission with three 12-megapixel photos, the rate of draining a
 * queue of 200 submissions, and, with the 20,000-village list of the
 * "Household visit" form, the time from a key in its search box to the
 * updated list and the time to store the reference data; and the map screen
 * with 10,000 submissions on the device: time to the drawn markers, the
 * longest main-thread tasks while drawing and panning, and its JavaScript.
 * Without the browser: the server's rate of taking in submissions against
 * its rate of answering GET /api/health (bench/ingest.ts); the review
 * table's queries and its exports with 100,000 submissions
 * (bench/review-listing.ts, bench/export.ts). The review screen with
 * 100,000 submissions on the server (bench/review-screen.ts). Lighthouse's
 * performance figures of the forms list and each demo form's screen
 * (bench/lighthouse.ts).
 */
import { readFile } from 'node:fs/promises';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import type { StoredSubmission, SubmissionStatus } from '../shared/outbox.js';
import type { Answers, GeoPoint } from '../shared/submission.js';
import { launchBrowser, openWorld, outboxStatuses, root, seedOutbox, until } from '../test/e2e/harness.js';
import { fillDemoForm } from '../test/e2e/demo-form.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { photoUpload } from './photo-upload.js';
import { ingest } from './ingest.js';
import { recovery } from './recovery.js';
import { reviewListing } from './review-listing.js';
import { exportBench } from './export.js';
import { reviewScreen } from './review-screen.js';
import { drainVersusWorkbox } from './drain-vs-workbox.js';
import { lighthouseBench } from './lighthouse.js';

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
    const { cookie } = await server.admin();
    const serverTimes: number[] = [];
    let raw = 0;
    let encoding = 'none';
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      // node:http, not fetch: fetch decodes the body, and the bytes on the wire are the point.
      const { body, headers } = await new Promise<{ body: Buffer; headers: IncomingHttpHeaders }>(
        (resolve, reject) => {
          httpGet(url, { headers: { 'Accept-Encoding': 'br, gzip', cookie } }, (res) => {
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
    const json = Buffer.from(await (await server.get('/api/reference')).text());
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

interface Place {
  value: string;
  label: string;
  lat: number;
  lon: number;
}

interface MapData {
  records: StoredSubmission[];
  villages: Place[];
  counts: Record<SubmissionStatus, number>;
  areaKm2: number;
}

const KM_PER_DEG_LAT = 110.57;
const kmPerDegLon = (lat: number) => 111.32 * Math.cos((lat * Math.PI) / 180);

/**
 * `count` submissions as a field team would leave them on a device after
 * months of work: most in and around five neighbouring villages of the demo
 * list, some scattered between them, mostly sent, some still to send or refused.
 */
async function mapData(count: number): Promise<MapData> {
  const lists = join(root, 'server/demo-forms/lists');
  const allVillages = JSON.parse(await readFile(join(lists, 'villages.json'), 'utf8')) as Place[];
  const sites = JSON.parse(await readFile(join(lists, 'sites.json'), 'utf8')) as Place[];
  const km = (a: Place, b: Place) =>
    Math.hypot((a.lat - b.lat) * KM_PER_DEG_LAT, (a.lon - b.lon) * kmPerDegLon(a.lat));
  // Around where openWorld puts the device; neighbours at least 2 km apart.
  const here: Place = { value: '', label: '', lat: -0.0917, lon: 34.768 };
  const byDistance = [...allVillages].sort((a, b) => km(a, here) - km(b, here));
  const villages: Place[] = [];
  for (const v of byDistance) {
    if (villages.every((c) => km(c, v) >= 2)) villages.push(v);
    if (villages.length === 5) break;
  }
  const weights = [0.3, 0.25, 0.2, 0.15, 0.1];
  const minLat = Math.min(...villages.map((v) => v.lat)) - 4 / KM_PER_DEG_LAT;
  const maxLat = Math.max(...villages.map((v) => v.lat)) + 4 / KM_PER_DEG_LAT;
  const minLon = Math.min(...villages.map((v) => v.lon)) - 4 / kmPerDegLon(here.lat);
  const maxLon = Math.max(...villages.map((v) => v.lon)) + 4 / kmPerDegLon(here.lat);

  const rand = seededRandom(20_240_601);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
    hex[12] = '4';
    hex[16] = '89ab'[Math.floor(rand() * 4)]!;
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const counts: Record<SubmissionStatus, number> = {
    sent: 0,
    queued: 0,
    waiting: 0,
    rejected: 0,
    sending: 0,
  };
  // Due tomorrow: the page sends only what is due (openWorld's contexts deny
  // Background Sync, so the page is the sender), and a day is far below the
  // 24.8 days beyond which setTimeout would fire at once.
  const later = Date.now() + 24 * 3600_000;
  const records: StoredSubmission[] = [];
  let seq = 0;
  let lat0 = Infinity;
  let lat1 = -Infinity;
  let lon0 = Infinity;
  let lon1 = -Infinity;
  for (let i = 0; i < count; i++) {
    // One every 25 minutes or so: about half a year of work.
    const time = new Date(Date.now() - (count - i) * 25 * 60_000).toISOString();
    let lat: number;
    let lon: number;
    let village = villages[0]!;
    if (rand() < 0.85) {
      let r = rand();
      let v = 0;
      while (v < villages.length - 1 && r >= weights[v]!) r -= weights[v++]!;
      village = villages[v]!;
      lat = village.lat + (gauss() * 1.2) / KM_PER_DEG_LAT;
      lon = village.lon + (gauss() * 1.2) / kmPerDegLon(village.lat);
    } else {
      lat = minLat + rand() * (maxLat - minLat);
      lon = minLon + rand() * (maxLon - minLon);
      village = villages.reduce((a, b) =>
        Math.hypot(a.lat - lat, a.lon - lon) < Math.hypot(b.lat - lat, b.lon - lon) ? a : b,
      );
    }
    lat0 = Math.min(lat0, lat);
    lat1 = Math.max(lat1, lat);
    lon0 = Math.min(lon0, lon);
    lon1 = Math.max(lon1, lon);
    const location: GeoPoint = {
      lat: Math.round(lat * 1e6) / 1e6,
      lon: Math.round(lon * 1e6) / 1e6,
      accuracy: 3 + Math.round(rand() * 25),
      time,
    };
    const household = rand() < 0.8;
    const answers: Answers = household
      ? {
          village: village.value,
          head_name: `Household ${i + 1}`,
          members: 1 + Math.floor(rand() * 9),
          water_source: pick(['piped', 'borehole', 'protected_well', 'surface_water', 'rainwater']),
          visit_date: time.slice(0, 10),
          location,
        }
      : {
          site: pick(sites).value,
          condition: pick(['working', 'working', 'needs_repair', 'broken', 'dry']),
          people_served: 20 + Math.floor(rand() * 800),
          location,
        };
    const id = uuid();
    const r = rand();
    const status: SubmissionStatus =
      r < 0.85 ? 'sent' : r < 0.92 ? 'queued' : r < 0.95 ? 'waiting' : 'rejected';
    counts[status]++;
    const receivedAt = new Date(Date.parse(time) + 60_000 + Math.floor(rand() * 3600_000)).toISOString();
    const rejection =
      status !== 'rejected'
        ? null
        : household
          ? { error: 'validation_failed' as const, message: 'Enter 50 members or fewer.', field: 'members' }
          : { error: 'unknown_form' as const, message: 'This form is no longer in use.' };
    const attempts =
      status === 'queued'
        ? 1 + Math.floor(rand() * 3)
        : status === 'waiting'
          ? 5 + Math.floor(rand() * 4)
          : 0;
    records.push({
      schema: 1,
      payload: {
        id,
        formId: household ? 'household-visit' : 'water-point-inspection',
        formVersion: 1,
        answers,
        location,
        // No photos: the map shows none, and megabytes of them would only slow the seeding.
        photos: [],
        createdAt: time,
        deviceId: 'bench-device',
        referenceVersion: null,
      },
      status,
      attempts,
      lastError: attempts ? 'The server could not be reached.' : (rejection?.message ?? null),
      rejection,
      receipt: status === 'sent' ? { id, receivedAt, seq: ++seq } : null,
      updatedAt: status === 'sent' ? receivedAt : time,
      nextAttemptAt: attempts ? later : 0,
    });
  }
  const areaKm2 = (lat1 - lat0) * KM_PER_DEG_LAT * (lon1 - lon0) * kmPerDegLon(here.lat);
  return { records, villages, counts, areaKm2 };
}

/**
 * Writes submission records straight into the app's outbox database (the
 * idb-keyval store the app reads, keyed by submission id) in one
 * transaction: seedOutbox makes a photo for each, far too slow for thousands.
 */
async function putSubmissions(page: Page, records: StoredSubmission[]): Promise<void> {
  // As one JSON string: Playwright's own serialization of 10,000 objects takes ten times longer.
  await page.evaluate(async (json) => {
    const recs = JSON.parse(json) as StoredSubmission[];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('fieldsync-submissions');
      req.onupgradeneeded = () => req.result.createObjectStore('submissions');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('submissions', 'readwrite');
      const store = tx.objectStore('submissions');
      for (const r of recs) store.put(r, r.payload.id);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, JSON.stringify(records));
}

interface Span {
  start: number;
  end: number;
}

interface Painted {
  /** performance.now() just after the frame that first showed the markers was painted. */
  painted: number;
  /** performance.now() after the frame that showed the lists beside and below the map. */
  listed: number;
  markers: number;
  /** Pixels of the markers' canvas that are not transparent. */
  ink: number;
}

interface Frames {
  frames: number;
  ms: number;
  /** The longest time between two animation frames. */
  maxGap: number;
}

/** What the init script below leaves on window for the benchmark. */
interface MapBenchWindow {
  benchTasks: Span[];
  /** timeStamp of the last click, -1 before any. */
  benchClick: number;
  benchWatch: () => Promise<Painted>;
  benchPainted: Promise<Painted> | null;
  benchQuiet: (ms: number, timeoutMs: number) => Promise<boolean>;
  benchFramesStart: () => void;
  benchFramesStop: () => Frames;
  benchScale: () => string | null;
}

/**
 * Runs in every page before the app: records long tasks from the start (a
 * buffered observer, so the first ones are not missed), the time of clicks,
 * and, on /map, starts watching for the drawn map at once.
 */
function mapBenchInit(): void {
  type FsMapLike = HTMLElement & {
    ready: Promise<void>;
    pointsShown: Promise<void>;
    markers: unknown[];
    updateComplete: Promise<unknown>;
  };
  const w = window as unknown as MapBenchWindow;
  // Chromium allows Background Sync, whose worker sends a tagged submission whatever its backoff,
  // out of reach of the page's routes: without it the page is the sender.
  delete (window as { SyncManager?: unknown }).SyncManager;
  w.benchTasks = [];
  w.benchClick = -1;
  w.benchPainted = null;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      w.benchTasks.push({ start: e.startTime, end: e.startTime + e.duration });
  }).observe({ type: 'longtask', buffered: true });
  addEventListener('click', (e) => (w.benchClick = e.timeStamp), true);
  const find = (root: ParentNode): FsMapLike | null => {
    const hit = root.querySelector('fs-map');
    if (hit) return hit as FsMapLike;
    for (const el of root.querySelectorAll('*')) {
      const found = el.shadowRoot && find(el.shadowRoot);
      if (found) return found;
    }
    return null;
  };
  const frame = () => new Promise<number>((r) => requestAnimationFrame(r));
  w.benchWatch = async () => {
    let el = find(document);
    while (!el) {
      await frame();
      el = find(document);
    }
    const afterPaint = () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => {
          // A message posted from a frame callback runs after that frame is painted.
          const ch = new MessageChannel();
          ch.port1.onmessage = () => resolve(performance.now());
          ch.port2.postMessage(null);
        }),
      );
    // Resolves in the task after the frame that showed the points.
    await el.pointsShown;
    const painted = performance.now();
    await el.ready;
    // ready resolves before the render it asked for; the lists are drawn in the next frame.
    await el.updateComplete;
    const listed = await afterPaint();
    let ink = 0;
    // Leaflet puts the markers' canvas in its overlay pane (grid or base map tiles are elsewhere).
    const canvas = el.shadowRoot?.querySelector<HTMLCanvasElement>('.leaflet-overlay-pane canvas');
    const ctx = canvas?.getContext('2d');
    if (canvas && ctx) {
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i]) ink++;
    }
    return { painted, listed, markers: el.markers.length, ink };
  };
  if (location.pathname === '/map') w.benchPainted = w.benchWatch();
  w.benchScale = () =>
    find(document)?.shadowRoot?.querySelector('.leaflet-control-scale-line')?.textContent ?? null;
  w.benchQuiet = async (ms, timeoutMs) => {
    const t0 = performance.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const now = performance.now();
      const lastEnd = w.benchTasks.reduce((m, t) => Math.max(m, t.end), t0);
      if (now - lastEnd >= ms) return true;
      if (now - t0 > timeoutMs) return false;
    }
  };
  let counting = { on: false, frames: 0, start: 0, last: 0, maxGap: 0 };
  w.benchFramesStart = () => {
    const c = { on: true, frames: 0, start: performance.now(), last: performance.now(), maxGap: 0 };
    counting = c;
    const tick = (t: number) => {
      if (!c.on) return;
      c.frames++;
      c.maxGap = Math.max(c.maxGap, t - c.last);
      c.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  w.benchFramesStop = () => {
    counting.on = false;
    const end = performance.now();
    return {
      frames: counting.frames,
      ms: end - counting.start,
      maxGap: Math.max(counting.maxGap, end - counting.last),
    };
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The longest long task overlapping [from, to], 0 when none. */
function longestIn(tasks: Span[], from: number, to: number): number {
  return tasks.filter((t) => t.end > from && t.start < to).reduce((m, t) => Math.max(m, t.end - t.start), 0);
}

const tasksOf = (page: Page) => page.evaluate(() => (window as unknown as MapBenchWindow).benchTasks);

/** Waits until no long task for `ms`; says so if the page never settled. */
async function settle(page: Page, ms = 1000, timeoutMs = 60_000): Promise<void> {
  const quiet = await page.evaluate(([q, t]) => (window as unknown as MapBenchWindow).benchQuiet(q, t), [
    ms,
    timeoutMs,
  ] as const);
  if (!quiet) console.warn(`The page still ran long tasks after ${timeoutMs / 1000} s; measuring anyway.`);
}

/**
 * The scale bar's text, to tell that a zoom happened; null if the map has none.
 * Read in the page: a Playwright locator would search all 10,000 list items
 * and add a long task of its own to the measurement.
 */
const scaleText = (page: Page) => page.evaluate(() => (window as unknown as MapBenchWindow).benchScale());

interface PanResult {
  /** The longest task during the drags (and the redraws after them), and during the wheel zooms. */
  panLongest: number;
  zoomLongest: number;
  frames: Frames;
  zoom: string;
}

/**
 * Drags the map four times (left, up, right-down, back up), each 150 px
 * in 0.5 s with a move every 16 ms as a finger or mouse would, then zooms in
 * and out with the wheel. Frames are counted during the drags only.
 */
async function panAndZoom(page: Page): Promise<PanResult> {
  const box = await page.locator('fs-map .map').first().boundingBox();
  if (!box) throw new Error('The map has no box on screen.');
  const c = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const t0 = await page.evaluate(() => performance.now());
  const total: Frames = { frames: 0, ms: 0, maxGap: 0 };
  for (const [dx, dy] of [
    [-150, 0],
    [0, -150],
    [150, 150],
    [0, -150],
  ] as const) {
    const from = { x: c.x - dx / 2, y: c.y - dy / 2 };
    await page.mouse.move(from.x, from.y);
    await page.evaluate(() => (window as unknown as MapBenchWindow).benchFramesStart());
    await page.mouse.down();
    const steps = 30;
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(from.x + (dx * i) / steps, from.y + (dy * i) / steps);
      await sleep(16);
    }
    await page.mouse.up();
    const f = await page.evaluate(() => (window as unknown as MapBenchWindow).benchFramesStop());
    total.frames += f.frames;
    total.ms += f.ms;
    total.maxGap = Math.max(total.maxGap, f.maxGap);
    // Leaflet's inertia, then the canvas is redrawn at moveend.
    await sleep(600);
  }
  const t1 = await page.evaluate(() => performance.now());
  const before = await scaleText(page);
  await page.mouse.move(c.x, c.y);
  await page.mouse.wheel(0, -120);
  await sleep(1000);
  const zoomed = await scaleText(page);
  await page.mouse.wheel(0, 120);
  await sleep(1000);
  await settle(page, 500, 20_000);
  const t2 = await page.evaluate(() => performance.now());
  const zoom =
    before === null
      ? 'no scale bar to confirm'
      : `scale bar ${before} → ${zoomed} → ${await scaleText(page)}`;
  const tasks = await tasksOf(page);
  return { panLongest: longestIn(tasks, t0, t1), zoomLongest: longestIn(tasks, t1, t2), frames: total, zoom };
}

/**
 * The map screen's own JavaScript: the scripts the page fetched between the
 * click on "Map" and the drawn map (the lazily loaded chunk of
 * src/map/submission-map.ts with Leaflet and its stylesheet inlined, and
 * whatever else only that screen loads), as files of dist/app.
 */
async function mapJavaScript(paths: string[]): Promise<void> {
  let raw = 0;
  let gz = 0;
  const each: string[] = [];
  for (const p of paths) {
    const body = await readFile(join(appDir, p)).catch(() => null);
    if (!body) {
      each.push(`${p} (no longer in dist/app: rebuilt meanwhile)`);
      continue;
    }
    const g = gzipSync(body, { level: 9 }).length;
    raw += body.length;
    gz += g;
    each.push(`${basename(p)} ${kB(g)} gzipped, ${kB(body.length)} raw`);
  }
  console.info(
    `  map screen JavaScript, fetched after the click on top of the capture screen's: ${kB(gz)} gzipped ` +
      `(${kB(raw)} raw, ${paths.length} file(s): ${each.join('; ')})`,
  );
}

/** Paths of the scripts the page has fetched so far (from the network or the service worker). */
const scriptsLoaded = (page: Page) =>
  page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname)
      .filter((p) => p.endsWith('.js')),
  );

const MAP_POINTS = 10_000;
const RUNS = 5;

const stats = (xs: number[], digits = 0) =>
  `median ${median(xs).toFixed(digits)} ms (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)}; ${xs.map((x) => x.toFixed(digits)).join(', ')})`;

/**
 * The map screen with 10,000 submissions on the device. Each run is a fresh
 * page on the same seeded data. Nothing is sent meanwhile: sent and rejected
 * records are not sendable, the queued and waiting ones are due only
 * tomorrow, and the front door's log must show no submission PUT.
 */
async function mapScreen(browser: Browser): Promise<void> {
  // Figures from a busy machine are not comparable: say how busy it was.
  const loadBefore = loadavg()[0]!;
  const world = await openWorld(browser);
  try {
    const { context, door } = world;
    const data = await mapData(MAP_POINTS);
    await context.addInitScript(mapBenchInit);
    // The page sends the seeded backlog at start-up, whatever its backoff: each sending held
    // unanswered (until the sender gives up on it) keeps the outbox, and so the map, as seeded.
    await context.route('**/api/submissions/**', (route) =>
      route.request().method() === 'PUT' ? undefined : route.continue(),
    );
    await world.page.goto(door.url);
    // The reference data (form titles for the map's list) is stored on this first visit.
    await world.page.getByRole('link', { name: 'Household visit' }).waitFor();
    const s0 = Date.now();
    await putSubmissions(world.page, data.records);
    const seedMs = Date.now() - s0;
    await world.page.close();

    const fresh = async () => {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error('page error:', e));
      return page;
    };
    const check = (p: Painted, run: string) => {
      if (p.markers !== MAP_POINTS)
        throw new Error(`${run}: ${p.markers} markers on the map, not ${MAP_POINTS}.`);
      if (p.ink === 0) throw new Error(`${run}: the markers' canvas is blank.`);
    };

    // As a user does: the app is open (and done starting), then "Map" in the navigation.
    const clickTimes: number[] = [];
    const clickListed: number[] = [];
    const clickLongest: number[] = [];
    const panLongest: number[] = [];
    const zoomLongest: number[] = [];
    const fps: number[] = [];
    const gaps: number[] = [];
    let zoom = '';
    let ink = Infinity;
    let mapScripts: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await fresh();
      await page.goto(door.url);
      await page.getByRole('link', { name: 'Household visit' }).waitFor();
      await settle(page);
      await page.evaluate(() => {
        const w = window as unknown as MapBenchWindow;
        w.benchPainted = w.benchWatch();
      });
      const before = new Set(await scriptsLoaded(page));
      await page.getByRole('link', { name: 'Map', exact: true }).click();
      const p = await page.evaluate(() => (window as unknown as MapBenchWindow).benchPainted!);
      mapScripts = (await scriptsLoaded(page)).filter((s) => !before.has(s));
      check(p, `Click run ${run + 1}`);
      ink = Math.min(ink, p.ink);
      const clickAt = await page.evaluate(() => (window as unknown as MapBenchWindow).benchClick);
      // Long-task entries arrive a little after their task.
      await sleep(300);
      clickTimes.push(p.painted - clickAt);
      clickListed.push(p.listed - clickAt);
      // Until the lists are drawn too: the screen is still rendering until then.
      clickLongest.push(longestIn(await tasksOf(page), clickAt, p.listed));

      await settle(page);
      const pan = await panAndZoom(page);
      panLongest.push(pan.panLongest);
      zoomLongest.push(pan.zoomLongest);
      fps.push((pan.frames.frames / pan.frames.ms) * 1000);
      gaps.push(pan.frames.maxGap);
      zoom = pan.zoom;
      await page.close();
    }

    // Opening /map directly (a bookmark, or the app reopened there): start-up included.
    const navTimes: number[] = [];
    const navListed: number[] = [];
    const navLongest: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await fresh();
      await page.goto(`${door.url}/map`);
      const p = await page.evaluate(() => (window as unknown as MapBenchWindow).benchPainted!);
      check(p, `Navigation run ${run + 1}`);
      ink = Math.min(ink, p.ink);
      await sleep(300);
      navTimes.push(p.painted);
      navListed.push(p.listed);
      navLongest.push(longestIn(await tasksOf(page), 0, p.listed));
      await page.close();
    }

    const puts = door.apiLog.filter((l) => l.startsWith('PUT /api/submissions')).length;
    // A few may pass through the service worker, beyond the page's routes: a handful of 10,000 changes nothing.
    if (puts > RUNS * 2) throw new Error(`The app sent ${puts} submission request(s) during the benchmark.`);
    const c = data.counts;
    console.info(
      `Map with ${MAP_POINTS.toLocaleString('en')} submissions (${c.sent} sent, ${c.queued} queued, ${c.waiting} waiting, ` +
        `${c.rejected} rejected; ${data.areaKm2.toFixed(0)} km² around ${data.villages.map((v) => v.label).join(', ')}), ` +
        `seeded in ${seedMs} ms, ${RUNS} runs each on a fresh page, 390×844 viewport, load average ` +
        `${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after on ${cpus().length} CPUs; every run drew ${MAP_POINTS} markers ` +
        `(at least ${ink} pixels of the markers' canvas inked), and ${puts} submission(s) were sent:`,
    );
    console.info(
      `  clicking "Map" in the navigation (app open and idle) to the markers painted: ${stats(clickTimes)}; ` +
        `to the lists beside and below the map drawn too: ${stats(clickListed)}; longest main-thread task until then median ${median(clickLongest).toFixed(0)} ms (max ${Math.max(...clickLongest).toFixed(0)})`,
    );
    console.info(
      `  opening /map (navigation start, app start-up included) to the markers painted: ${stats(navTimes)}; ` +
        `to the lists drawn too: ${stats(navListed)}; longest main-thread task until then median ${median(navLongest).toFixed(0)} ms (max ${Math.max(...navLongest).toFixed(0)})`,
    );
    console.info(
      `  panning (4 mouse drags of 150 px in 0.5 s each): longest main-thread task ` +
        `median ${median(panLongest).toFixed(0)} ms (max ${Math.max(...panLongest).toFixed(0)}); then a wheel zoom in and out ` +
        `(${zoom}): longest main-thread task median ${median(zoomLongest).toFixed(0)} ms (max ${Math.max(...zoomLongest).toFixed(0)}); during the drags ` +
        `median ${median(fps).toFixed(0)} animation frames/s (min ${Math.min(...fps).toFixed(0)}), ` +
        `longest gap between frames median ${median(gaps).toFixed(0)} ms (max ${Math.max(...gaps).toFixed(0)})`,
    );
    await mapJavaScript([...new Set(mapScripts)]);
  } finally {
    await world.close();
  }
}

// `node run.js drain` runs only the benchmarks named.
const only = new Set(process.argv.slice(2));
const wanted = (name: string) => only.size === 0 || only.has(name);
// Chromium is started for the first benchmark that needs it, and only then.
let launched: Promise<Browser> | undefined;
const browser = (): Promise<Browser> => (launched ??= launchBrowser());
try {
  if (wanted('size')) await initialJavaScript();
  if (wanted('photo-upload')) await photoUpload();
  if (wanted('ingest')) await ingest();
  if (wanted('review-listing')) await reviewListing();
  if (wanted('export')) await exportBench();
  if (wanted('save')) await savingWithPhotos(await browser());
  if (wanted('drain')) await draining(await browser());
  if (wanted('drain-workbox')) await drainVersusWorkbox();
  if (wanted('recovery')) await recovery(await browser());
  if (wanted('village-search')) await villageSearch(await browser());
  if (wanted('reference-store')) await storingReference(await browser());
  if (wanted('map')) await mapScreen(await browser());
  if (wanted('review-screen')) await reviewScreen(await browser());
  // Its own Chromium, with a DevTools port for Lighthouse.
  if (wanted('lighthouse')) await lighthouseBench();
} finally {
  // A launch that failed has nothing to close.
  await (await launched?.catch(() => undefined))?.close();
}
