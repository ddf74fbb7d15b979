// Test-runner plugin: runs the real Fieldsync server (the built one, on a free
// port, with a fresh data directory) behind the test page's /api, and gives
// tests commands to drive what they cannot drive from inside the page:
// the Geolocation sensor and permission (through the DevTools protocol), and
// faults between the page and the server (server down, 503s); and a map
// tile server (test/support/tile-server.js) with its own faults.
// Auth is on, as for users: the server has a test administrator (made with
// the admin CLI), who hands out enrollment codes that the test page redeems
// itself (test/support/enroll.ts, enrollThisBrowser()).
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startTileServer } from './tile-server.js';
import { ADMIN_PASSWORD, ADMIN_USERNAME, AdminClient, createAdministrator } from './accounts.js';

const serverEntry = new URL('../../dist/server/server/server.js', import.meta.url);
const adminCli = new URL('../../dist/server/server/admin/cli.js', import.meta.url);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A real server process; start/stop let tests take it away and bring it back. */
class ServerProcess {
  port = 0;
  dataDir = '';
  child = null;
  /** @type {Promise<AdminClient> | null} */
  admin = null;

  /** The test administrator, signed in: created on first use, kept with the data directory. */
  administrator() {
    this.admin ??= createAdministrator(adminCli.pathname, { DATA_DIR: this.dataDir })
      .then(() => AdminClient.signIn(`http://127.0.0.1:${this.port}`))
      .catch((e) => {
        this.admin = null;
        throw e;
      });
    return this.admin;
  }

  async start() {
    if (this.child) return;
    if (!this.port) this.port = await freePort();
    if (!this.dataDir) this.dataDir = await mkdtemp(join(tmpdir(), 'fieldsync-wtr-'));
    const child = spawn(process.execPath, [serverEntry.pathname], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        LOG_LEVEL: 'warn',
      },
      // Nothing reads its stdout: a pipe left unread would stall the server once full.
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.child = child;
    await waitForHealth(this.port, child);
  }

  async stop() {
    const child = this.child;
    if (!child) return;
    this.child = null;
    // A server that already died (crashed) will not exit again.
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose() {
    await this.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function waitForHealth(port, child) {
  const deadline = Date.now() + 20000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error('The Fieldsync server exited at start-up (did `npm run build:server` run?).');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('The Fieldsync server did not answer /api/health within 20 s.');
}

const server = new ServerProcess();
/** The page's connections carrying a live stream (text/event-stream), so that a fault can drop them. */
const liveSockets = new Set();
/** Faults injected between the page and the server. */
const faults = {
  down: false,
  status: 0,
  count: 0,
  /** Only requests whose path starts with this get the injected status. */
  statusPath: '/api/',
  /** Send the injected status with an HTML page rather than JSON. */
  html: false,
  /** The error code of the injected JSON body. */
  errorCode: 'internal',
  dropAcks: false,
  /** Flip one byte in the body of this many photo uploads, as a damaged link would. */
  flipPhotoBytes: 0,
  /** Cut off the body of this many 4xx answers halfway, then drop the connection. */
  cutErrorBodies: 0,
  requests: [],
};

/** Reads a whole request body. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Koa middleware: forwards /api/* to the real server, unless a fault says otherwise. */
export function apiProxy() {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/api/')) return next();
    faults.requests.push(`${ctx.method} ${ctx.path}`);
    if (faults.down || !server.child) {
      // As close to "no network" as a proxy gets: the connection drops.
      ctx.req.socket.destroy();
      ctx.respond = false;
      return;
    }
    if (faults.count > 0 && ctx.path.startsWith(faults.statusPath)) {
      faults.count--;
      ctx.status = faults.status;
      // A proxy's or portal's own error page, or a JSON body as the server would send.
      if (faults.html) ctx.body = `<html><body><h1>${faults.status}</h1></body></html>`;
      else ctx.body = { error: faults.errorCode, message: `Injected ${faults.status}` };
      return;
    }
    let body = null;
    const carriesPhotos = ctx.path.startsWith('/api/photos/') || ctx.path.endsWith('/bundle');
    if (faults.flipPhotoBytes > 0 && ctx.method === 'PUT' && carriesPhotos) {
      faults.flipPhotoBytes--;
      body = await readBody(ctx.req);
      // In a bundle, a third of the way in falls inside its first photo.
      body[Math.floor(body.length / (ctx.path.endsWith('/bundle') ? 3 : 2))] ^= 0x40;
    }
    await new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: ctx.method,
          path: ctx.url,
          // The Host the page addressed, kept: the server checks a change's Origin against it.
          headers: ctx.req.headers,
        },
        (res) => {
          const isAck =
            ctx.method === 'PUT' && ctx.path.startsWith('/api/submissions/') && (res.statusCode ?? 500) < 300;
          if (faults.dropAcks && isAck) {
            // The server stored the submission but its answer is lost on the way back.
            // (Every time: Chromium itself may resend a PUT once on a dropped connection.)
            res.resume();
            res.on('end', () => {
              ctx.req.socket.destroy();
              ctx.respond = false;
              resolve();
            });
            return;
          }
          const status = res.statusCode ?? 502;
          if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
            // A live stream passes on as it comes, never buffered; a fault that takes the network drops it.
            ctx.respond = false;
            ctx.res.writeHead(status, res.headers);
            res.pipe(ctx.res);
            const socket = ctx.req.socket;
            liveSockets.add(socket);
            ctx.res.once('close', () => {
              liveSockets.delete(socket);
              res.destroy();
            });
            resolve();
            return;
          }
          if (faults.cutErrorBodies > 0 && status >= 400 && status < 500) {
            faults.cutErrorBodies--;
            // The whole answer is announced, half of it arrives, then the connection drops.
            readBody(res).then((full) => {
              ctx.respond = false;
              ctx.res.writeHead(status, {
                'content-type': 'application/json',
                'content-length': String(full.length),
              });
              ctx.res.write(full.subarray(0, Math.floor(full.length / 2)), () => {
                ctx.req.socket.destroy();
                resolve();
              });
            }, reject);
            return;
          }
          ctx.status = status;
          for (const [k, v] of Object.entries(res.headers)) {
            if (
              v !== undefined &&
              k !== 'content-length' &&
              k !== 'connection' &&
              k !== 'transfer-encoding'
            ) {
              ctx.set(k, v);
            }
          }
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            ctx.body = Buffer.concat(chunks);
            if (ctx.status === 304) ctx.body = null;
            resolve();
          });
          res.on('error', reject);
        },
      );
      upstream.on('error', () => {
        ctx.req.socket.destroy();
        ctx.respond = false;
        resolve();
      });
      if (body) upstream.end(body);
      else ctx.req.pipe(upstream);
    });
  };
}

/** The map tile server, started by the first test that asks for it. */
let tileServer = null;
async function getTileServer() {
  tileServer ??= startTileServer();
  return tileServer;
}

const cdpSessions = new Map();
async function cdp(session) {
  let client = cdpSessions.get(session.id);
  if (!client) {
    const page = session.browser.getPage(session.id);
    client = await page.createCDPSession();
    cdpSessions.set(session.id, client);
  }
  return client;
}

export function fieldsyncPlugin() {
  return {
    name: 'fieldsync-server',
    async serverStart() {
      await server.start();
    },
    async serverStop() {
      await server.dispose();
      if (tileServer) await (await tileServer).close();
    },
    async executeCommand({ command, payload, session }) {
      switch (command) {
        case 'server-stop':
          await server.stop();
          return true;
        case 'server-start':
          await server.start();
          return true;
        case 'api-fault':
          faults.down = payload?.down ?? false;
          // A network gone takes the live streams with it; dropLive drops only them (a proxy timing out).
          if (faults.down || payload?.dropLive) for (const socket of liveSockets) socket.destroy();
          faults.status = payload?.status ?? 0;
          faults.count = payload?.count ?? 0;
          faults.statusPath = payload?.statusPath ?? '/api/';
          faults.html = payload?.html ?? false;
          faults.errorCode = payload?.errorCode ?? 'internal';
          faults.dropAcks = payload?.dropAcks ?? false;
          faults.flipPhotoBytes = payload?.flipPhotoBytes ?? 0;
          faults.cutErrorBodies = payload?.cutErrorBodies ?? 0;
          return true;
        case 'api-requests': {
          const seen = faults.requests;
          if (payload?.reset) faults.requests = [];
          return seen;
        }
        case 'tile-server': {
          const t = await getTileServer();
          return { origin: t.origin, template: t.template };
        }
        case 'tile-server-requests': {
          const t = await getTileServer();
          const seen = t.requests.map((r) => ({ ...r }));
          if (payload?.reset) t.clearRequests();
          return seen;
        }
        case 'tile-server-down':
          (await getTileServer()).setDown(payload?.down ?? false);
          return true;
        case 'tile-server-latency':
          (await getTileServer()).setLatency(payload?.ms ?? 0);
          return true;
        case 'tile-server-fail':
          (await getTileServer()).failNext(payload?.count ?? 0, payload?.status);
          return true;
        case 'server-info':
          return { port: server.port, dataDir: server.dataDir };
        case 'enrollment-code': {
          const admin = await server.administrator();
          return admin.enrollment({ name: payload?.name, formIds: payload?.formIds ?? null });
        }
        case 'admin-credentials':
          await server.administrator();
          return { username: ADMIN_USERNAME, password: ADMIN_PASSWORD };
        case 'revoke-device':
          await (await server.administrator()).revoke(payload.id);
          return true;
        case 'server-submission': {
          // What the server holds, as an administrator reads it (the test browser is a device).
          const res = await (await server.administrator()).get(`/api/submissions/${payload.id}`);
          // Wrapped: a command answering null counts as not handled.
          return { submission: res.ok ? await res.json() : null };
        }
        case 'server-submissions':
          return (await server.administrator()).submissions();
        case 'server-outboxes':
          return (await (await server.administrator()).get('/api/review/outboxes')).json();
        case 'server-photo-sha256': {
          const res = await (await server.administrator()).get(`/api/photos/${payload.sha256}`);
          if (!res.ok) return { sha256: null };
          return {
            sha256: createHash('sha256')
              .update(Buffer.from(await res.arrayBuffer()))
              .digest('hex'),
          };
        }
        case 'set-geolocation': {
          const client = await cdp(session);
          await client.send('Emulation.setGeolocationOverride', {
            latitude: payload.latitude,
            longitude: payload.longitude,
            accuracy: payload.accuracy ?? 10,
          });
          return true;
        }
        case 'clear-geolocation': {
          const client = await cdp(session);
          // No position at all: the API reports POSITION_UNAVAILABLE.
          await client.send('Emulation.setGeolocationOverride', {});
          return true;
        }
        case 'set-geolocation-permission': {
          const client = await cdp(session);
          const page = session.browser.getPage(session.id);
          await client.send('Browser.setPermission', {
            permission: { name: 'geolocation' },
            setting: payload.state,
            origin: new URL(page.url()).origin,
          });
          return true;
        }
        default:
          return undefined;
      }
    },
  };
}
