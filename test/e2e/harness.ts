/**
 * End-to-end harness: the built app and the real server, driven through real
 * Chromium by Playwright.
 *
 * The browser talks to a front door on its own port that serves the built
 * app's files itself and forwards /api/ to the server process. So the server
 * can be stopped, killed or made to answer 503 between page and API, and a
 * new build can be deployed by pointing the door at other files, while the
 * app itself stays loadable (as from a CDN). test/e2e/app.test.ts checks the
 * app as the server itself serves it. test/firefox/firefox.test.ts drives
 * Firefox over WebDriver BiDi against the same server and front door.
 *
 * Auth is on, as for users: each server gets its administrator from the
 * admin CLI (test/support/accounts.js), who makes enrollment codes; a world's
 * browser context redeems one itself at the front door (POST /api/enroll),
 * so it holds the HttpOnly device cookie as an enrolled phone does. What the
 * server holds is read as that administrator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from '../server/free-port.js';
import { TEST_HASH_COST } from '../server/test-callers.js';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { Enrollment, MyDevice } from '../../shared/accounts.js';
import type { ServerSubmission } from '../../shared/submission.js';
import { AdminClient, CHANGE_HEADERS, createAdministrator, runAdminCli } from '../support/accounts.js';
import { CHROMIUM_ARGS, chromePath } from '../support/chromium.js';

export const root = fileURLToPath(new URL('../../../../', import.meta.url));
const appDir = join(root, 'dist/app');
const serverEntry = join(root, 'dist/server/server/server.js');
const adminCli = join(root, 'dist/server/server/admin/cli.js');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromePath(), args: CHROMIUM_ARGS });
}

/**
 * A page that runs a function in the browser, as seeding and reading the
 * outbox need: Playwright's pages and puppeteer's (bench/quiet-chromium.ts) both do.
 */
export interface Evaluates<R, A extends unknown[]> {
  evaluate(fn: (...args: A) => Promise<R>, ...args: A): Promise<R>;
}

/** The real server as a child process with its own data directory. */
export class ServerProcess {
  port = 0;
  dataDir = '';
  private child: ChildProcess | null = null;
  private administrator: Promise<AdminClient> | null = null;
  /** What the server printed on standard output (its start-up lines, the set-up link), the last 64 kB. */
  output = '';

  /** The server's variables, which its admin CLI runs with too. */
  private readonly env: Record<string, string>;

  constructor(env: Record<string, string> = {}) {
    // The server tests' cheap password hashes: these servers guard nothing.
    this.env = { PASSWORD_HASH_COST: String(TEST_HASH_COST), ...env };
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    if (this.child) return;
    if (!this.port) this.port = await freePort();
    if (!this.dataDir) this.dataDir = await mkdtemp(join(tmpdir(), 'fieldsync-e2e-'));
    const child = spawn(process.execPath, [serverEntry], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        LOG_LEVEL: 'warn',
        ...this.env,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    // Read as it comes: a pipe left unread would stall the server once full.
    child.stdout?.on('data', (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-65_536);
    });
    // Once exited, it is no longer running: kill() must not wait for a second exit.
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`The server exited at start-up (code ${code}).`))),
    );
    await Promise.race([this.waitForHealth(), exited]);
  }

  private async waitForHealth(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.url}/api/health`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('The server did not answer /api/health within 20 s.');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGKILL: no graceful close, as in a crash or power loss. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.kill();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  /**
   * Kills the server and deletes its data: the next start is a new server,
   * whose administrator and devices are new too (a device enrolled before
   * must enroll again).
   */
  async wipe(): Promise<void> {
    await this.dispose();
    this.dataDir = '';
    this.administrator = null;
  }

  /**
   * The server's administrator, signed in: made with the admin CLI on the
   * server's stores the first time it is asked for (the server must be up).
   */
  admin(): Promise<AdminClient> {
    this.administrator ??= createAdministrator(adminCli, { ...this.env, DATA_DIR: this.dataDir })
      .then(() => AdminClient.signIn(this.url))
      .catch((e: unknown) => {
        this.administrator = null;
        throw e;
      });
    return this.administrator;
  }

  /** `npm run admin -- <args>` on this server's stores; resolves to what it printed. */
  adminCli(args: string[], stdin = ''): Promise<string> {
    return runAdminCli(adminCli, { ...this.env, DATA_DIR: this.dataDir }, args, stdin);
  }

  /** Every submission the server holds (newest first), following the cursor. */
  async submissions(): Promise<ServerSubmission[]> {
    return (await this.admin()).submissions() as Promise<ServerSubmission[]>;
  }

  /** A GET as the administrator (a photo's bytes, the reference data). */
  async get(path: string): Promise<Response> {
    return (await this.admin()).get(path);
  }

  /** A one-time enrollment code, as an administrator makes it. */
  async enrollment(
    options: { name?: string; formIds?: string[] | null; kiosk?: boolean } = {},
  ): Promise<Enrollment> {
    return (await this.admin()).enrollment(options) as Promise<Enrollment>;
  }

  /** Revokes a device, as an administrator does. */
  async revoke(deviceId: string): Promise<void> {
    await (await this.admin()).revoke(deviceId);
  }
}

/**
 * Enrolls a browser context as a device: a code from the server's
 * administrator, redeemed by the context itself at the address its pages
 * use (its request API shares the pages' cookies), so its pages and service
 * worker carry the HttpOnly device cookie.
 */
export async function enrollContext(
  context: BrowserContext,
  url: string,
  server: ServerProcess,
  name = 'Test browser',
): Promise<MyDevice> {
  const { code } = await server.enrollment({ name });
  const res = await context.request.post(`${url}/api/enroll`, {
    data: { code },
    headers: CHANGE_HEADERS,
  });
  if (!res.ok()) throw new Error(`Enrolling the test browser failed: ${res.status()} ${await res.text()}`);
  return (await res.json()) as MyDevice;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
};

/** The front door the browser talks to: app files served here, /api/ forwarded to the server. */
export class FrontDoor {
  port = 0;
  /** Answer this status to this many /api/ requests before forwarding again. */
  fault = { status: 0, count: 0 };
  readonly apiLog: string[] = [];
  /** The built app's files the door serves; point it at a copy to deploy another build. */
  appDir = appDir;
  /** Holds each /api/ request this long before answering it, as a slow link would. */
  latencyMs = 0;
  /** While set: the submissions let through, and the wait of the others' requests. */
  private hold: { pass: number; passed: Set<string>; released: Promise<void> } | null = null;
  private server: Server | null = null;

  constructor(protected readonly backend: ServerProcess) {}

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  /** Starts listening; after stop(), on the same port again, so pages at its address can reach it. */
  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  /**
   * Lets the requests (PUTs to /api/submissions/ID…) of the first `pass`
   * submissions to arrive through, and holds every other submission's until
   * the returned function is called: a queue cut at a known point, whatever
   * the machine's speed.
   */
  holdSubmissionsAfter(pass: number): () => void {
    let release = (): void => undefined;
    this.hold = { pass, passed: new Set(), released: new Promise<void>((r) => (release = r)) };
    return () => {
      this.hold = null;
      release();
    };
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/api/')) {
      if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
      const hold = this.hold;
      if (hold && req.method === 'PUT' && url.pathname.startsWith('/api/submissions/')) {
        const id = url.pathname.split('/')[3] ?? '';
        if (hold.passed.size < hold.pass) hold.passed.add(id);
        if (!hold.passed.has(id)) await hold.released;
      }
      return this.forward(req, res, url);
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(this.appDir, rel);
    if (!existsSync(file) || rel === '/' || !extname(rel)) file = join(this.appDir, 'index.html');
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  }

  protected forward(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.apiLog.push(`${req.method} ${url.pathname}`);
    if (this.fault.count > 0) {
      this.fault.count--;
      res.writeHead(this.fault.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal', message: 'Service unavailable' }));
      req.resume();
      return;
    }
    if (!this.backend.running) {
      // A stopped server: the connection is refused, which the page sees as a network error.
      req.socket.destroy();
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: this.backend.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  }
}

/** One test's world: a server, its front door, a browser context with location granted, enrolled as a device. */
export interface World {
  server: ServerProcess;
  door: FrontDoor;
  context: BrowserContext;
  page: Page;
  /** The device the context is enrolled as; null when the world was opened without enrolling. */
  device: MyDevice | null;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Enroll the context as a device before the test (default true), as a field worker's phone is. */
  enroll?: boolean;
}

export async function openWorld(
  browser: Browser,
  env: Record<string, string> = {},
  options: WorldOptions = {},
): Promise<World> {
  return openBehindDoor(env, async (server, door, onClose) => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      geolocation: { latitude: -0.0917, longitude: 34.768, accuracy: 6 },
      permissions: ['geolocation'],
    });
    onClose(() => context.close());
    // Waits end as soon as their state is reached; the limit only matters on a
    // loaded machine (CI shares two cores), where Playwright's 30 s is too short.
    context.setDefaultTimeout(120_000);
    const device = options.enroll === false ? null : await enrollContext(context, door.url, server);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    return { context, page, device };
  });
}

/**
 * The server and its front door, started, then what open() sets up on them
 * (a browser context, say). close() undoes it all, the browser side first;
 * a world that fails half-way is closed at once, so no server or browser
 * context is left behind to hang the run.
 */
export async function openBehindDoor<T extends object>(
  env: Record<string, string>,
  open: (server: ServerProcess, door: FrontDoor, onClose: (undo: () => Promise<void>) => void) => Promise<T>,
): Promise<T & { server: ServerProcess; door: FrontDoor; close(): Promise<void> }> {
  const server = new ServerProcess(env);
  let door: FrontDoor | null = null;
  const undos: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    // Taken out as they run: a second close() undoes nothing twice.
    for (const undo of undos.splice(0).reverse()) await undo();
    await door?.stop();
    await server.dispose();
  };
  try {
    await server.start();
    door = new FrontDoor(server);
    await door.start();
    const opened = await open(server, door, (undo) => undos.push(undo));
    return { ...opened, server, door, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** Runs fn in a fresh world and closes the world afterwards, whatever happens. */
export async function withWorld(
  browser: Browser,
  fn: (w: World) => Promise<void>,
  env: Record<string, string> = {},
  options: WorldOptions = {},
): Promise<void> {
  const world = await openWorld(browser, env, options);
  try {
    await fn(world);
  } finally {
    await world.close();
  }
}

/** Polls until check() is truthy; for state outside the page (the server's database). */
export async function until<T>(check: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs in the page: draws picture number n and encodes it with the browser's
 * JPEG encoder. Exported for drivers other than Playwright.
 */
export async function paintCameraJpeg(n: number): Promise<number[]> {
  const canvas = new OffscreenCanvas(1600, 1200);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = `hsl(${(n * 71) % 360} 60% 45%)`;
  ctx.fillRect(0, 0, 1600, 1200);
  ctx.fillStyle = '#fff';
  ctx.font = '200px sans-serif';
  ctx.fillText(`#${n}`, 100, 400);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  return Array.from(new Uint8Array(await blob.arrayBuffer()));
}

/** A real JPEG made by the browser's encoder, as a camera file to attach. */
export async function cameraJpeg(
  page: Page,
  seed: number,
): Promise<{ name: string; mimeType: string; buffer: Buffer }> {
  const bytes = await page.evaluate(paintCameraJpeg, seed);
  return { name: `photo-${seed}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(bytes) };
}

/**
 * Puts `count` queued submissions of the demo form, each with its own real
 * JPEG photo, straight into the app's databases, as earlier saves would have.
 * Resolves to their ids, oldest first.
 */
export async function seedOutbox(page: Evaluates<string[], [number]>, count: number): Promise<string[]> {
  return page.evaluate(async (n) => {
    const open = (db: string, store: string) =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(db);
        req.onupgradeneeded = () => req.result.createObjectStore(store);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const putAll = (db: IDBDatabase, store: string, entries: [string, unknown][]) =>
      new Promise<void>((resolve, reject) => {
        const tx = db.transaction(store, 'readwrite');
        for (const [k, v] of entries) tx.objectStore(store).put(v, k);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
    const hex = (buf: ArrayBuffer) =>
      [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const photos: [string, unknown][] = [];
    const subs: [string, unknown][] = [];
    const ids: string[] = [];
    const base = Date.now() - n * 1000;
    for (let i = 0; i < n; i++) {
      const canvas = new OffscreenCanvas(640, 480);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = `hsl(${(i * 37) % 360} 55% 50%)`;
      ctx.fillRect(0, 0, 640, 480);
      ctx.fillStyle = '#fff';
      ctx.font = '64px sans-serif';
      ctx.fillText(`seed ${i} ${Math.random()}`, 20, 240);
      const data = await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 })).arrayBuffer();
      const sha256 = hex(await crypto.subtle.digest('SHA-256', data));
      const time = new Date(base + i * 1000).toISOString();
      const geotag = { lat: -0.09, lon: 34.76, accuracy: 10, time, source: 'device' };
      photos.push([
        sha256,
        {
          schema: 1,
          sha256,
          type: 'image/jpeg',
          data,
          width: 640,
          height: 480,
          geotag,
          thumbnail: data,
          addedAt: Date.now(),
        },
      ]);
      const id = crypto.randomUUID();
      const location = { lat: -0.09 + i / 10000, lon: 34.76, accuracy: 5, time };
      const payload = {
        id,
        formId: 'water-point-inspection',
        formVersion: 1,
        answers: { site: 'site_001', condition: 'working', people_served: i, location, photos: [sha256] },
        location,
        photos: [
          {
            sha256,
            bytes: data.byteLength,
            type: 'image/jpeg',
            width: 640,
            height: 480,
            field: 'photos',
            geotag,
          },
        ],
        createdAt: time,
        deviceId: 'seeded-device',
      };
      subs.push([
        id,
        {
          schema: 1,
          payload,
          status: 'queued',
          attempts: 0,
          lastError: null,
          rejection: null,
          receipt: null,
          updatedAt: time,
          nextAttemptAt: 0,
        },
      ]);
      ids.push(id);
    }
    await putAll(await open('fieldsync-photos', 'photos'), 'photos', photos);
    await putAll(await open('fieldsync-submissions', 'submissions'), 'submissions', subs);
    return ids;
  }, count);
}

/** The status of each submission in the app's outbox database. */
export async function outboxStatuses(
  page: Evaluates<Record<string, string>, []>,
): Promise<Record<string, string>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, string>>((resolve, reject) => {
        const req = indexedDB.open('fieldsync-submissions');
        req.onupgradeneeded = () => req.result.createObjectStore('submissions');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const tx = req.result.transaction('submissions', 'readonly');
          const all = tx.objectStore('submissions').getAll();
          all.onsuccess = () => {
            const out: Record<string, string> = {};
            for (const r of all.result as { payload: { id: string }; status: string }[])
              out[r.payload.id] = r.status;
            req.result.close();
            resolve(out);
          };
        };
      }),
  );
}

export interface OutboxRecord {
  status: string;
  attempts: number;
  lastError: string | null;
}

/** One submission as the app's outbox database holds it. */
export function outboxRecord(page: Page, id: string): Promise<OutboxRecord | null> {
  return page.evaluate(
    (key) =>
      new Promise<OutboxRecord | null>((resolve, reject) => {
        const req = indexedDB.open('fieldsync-submissions');
        req.onupgradeneeded = () => req.result.createObjectStore('submissions');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const get = req.result.transaction('submissions').objectStore('submissions').get(key);
          get.onsuccess = () => {
            const r = get.result as OutboxRecord | undefined;
            req.result.close();
            resolve(r ? { status: r.status, attempts: r.attempts, lastError: r.lastError } : null);
          };
        };
      }),
    id,
  );
}

/**
 * Opens the popup of a submission's marker on the map screen, once the map
 * has drawn its markers and holds their submissions (it draws the markers
 * first: a popup opened in between finds no submission). A tap on the
 * canvas dot does the same; the element's own method spares the pixel hunting.
 */
export async function openMapPopup(page: Page, id: string): Promise<void> {
  await page.waitForFunction((sid) => {
    const map = document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-map') as
      (HTMLElement & { markers: { id: string }[] }) | null;
    return !!map?.markers.some((m) => m.id === sid);
  }, id);
  await page.evaluate((sid) => {
    const map = document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-map') as
      (HTMLElement & { openPopup(id: string): void }) | null;
    map?.openPopup(sid);
  }, id);
}

/**
 * Presses the outbox's "Send now". The page's own backoff timer may have sent
 * everything a moment before, which disables the button: that is success too.
 */
export async function sendNow(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: 'Send now' });
  if (!(await button.isEnabled())) return;
  await button.click({ timeout: 5000 }).catch(async (e: unknown) => {
    if (await button.isEnabled()) throw e;
  });
}

/**
 * The DevTools protocol's id of the app's service worker registration, which
 * ServiceWorker.dispatchSyncEvent and dispatchPeriodicSyncEvent need. Enables
 * the ServiceWorker domain on the session.
 */
export async function workerRegistrationId(cdp: CDPSession, scope: string): Promise<string> {
  const id = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const mine = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
      if (mine) resolve(mine.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return id;
}
