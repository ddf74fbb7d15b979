/**
 * The front door with faults: between the browser and the server, it breaks
 * /api/ traffic the way bad networks and overloaded servers do, drawn from a
 * seeded random source so that a seed repeats its schedule.
 *
 * - reset: the connection drops partway through the request body.
 * - drop: the server gets the whole request and answers (it has committed),
 *   but the answer never reaches the device.
 * - cut: the answer starts, then stops halfway and the connection drops.
 * - flip: one byte of a photo upload (alone, or a bundle's) is changed on the way.
 * - burst: a run of 503 answers, as from an overloaded server or proxy.
 * - latency: the request is held up to 1.5 s first (on top of any other fault).
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { FrontDoor, type ServerProcess } from '../e2e/harness.js';

export type Fault = 'reset' | 'drop' | 'cut' | 'flip' | 'burst' | 'latency';
export const FAULTS: readonly Fault[] = ['reset', 'drop', 'cut', 'flip', 'burst', 'latency'];

/** The chance that a request gets each fault. */
export type FaultRates = Record<Fault, number>;

export const DEFAULT_RATES: FaultRates = {
  reset: 0.06,
  drop: 0.06,
  cut: 0.05,
  flip: 0.08,
  burst: 0.02,
  latency: 0.15,
};

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export class FaultDoor extends FrontDoor {
  /** Faults are injected only while this is on (the first visit and the final check run clean). */
  faulty = false;
  readonly injected: Record<Fault, number> = { reset: 0, drop: 0, cut: 0, flip: 0, burst: 0, latency: 0 };
  private burstLeft = 0;

  constructor(
    backend: ServerProcess,
    private readonly random: () => number,
    private readonly rates: FaultRates = DEFAULT_RATES,
  ) {
    super(backend);
  }

  protected override forward(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!this.faulty) return super.forward(req, res, url);
    const hasBody = req.method === 'PUT' || req.method === 'POST';
    // Photos travel alone or in a bundle with their record; a flip anywhere in a bundle is damage too.
    const isPhoto =
      req.method === 'PUT' && (url.pathname.startsWith('/api/photos/') || url.pathname.endsWith('/bundle'));
    const chance = (f: Fault) => this.random() < this.rates[f];
    const delay = chance('latency') ? Math.floor(this.random() * 1500) : 0;
    if (delay) this.injected.latency++;

    let fault: Fault | null = null;
    if (this.burstLeft > 0) {
      this.burstLeft--;
      fault = 'burst';
    } else if (chance('burst')) {
      this.burstLeft = Math.floor(this.random() * 6);
      fault = 'burst';
    } else if (isPhoto && chance('flip')) fault = 'flip';
    else if (hasBody && chance('reset')) fault = 'reset';
    else if (chance('drop')) fault = 'drop';
    else if (chance('cut')) fault = 'cut';
    if (fault) this.injected[fault]++;
    const cutAt = this.random();

    // A request the browser gives up on mid-body (a timeout, a killed Chromium) ends here, not in the runner.
    setTimeout(() => void this.faulted(fault, req, res, url, cutAt).catch(() => req.socket.destroy()), delay);
  }

  private async faulted(
    fault: Fault | null,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    fraction: number,
  ): Promise<void> {
    if (fault === null) return super.forward(req, res, url);
    this.apiLog.push(`${req.method} ${url.pathname} [${fault}]`);
    if (fault === 'burst') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: 'internal', message: 'Service unavailable (injected)' }));
      return;
    }
    if (!this.backend.running) {
      req.socket.destroy();
      return;
    }
    const upstream = request({
      host: '127.0.0.1',
      port: this.backend.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    upstream.on('error', () => req.socket.destroy());

    if (fault === 'reset') {
      // Part of the body reaches the server, then both connections drop.
      const total = Number(req.headers['content-length'] ?? 0);
      const stopAt = Math.floor(total * fraction);
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        const room = stopAt - seen;
        seen += chunk.length;
        if (room > 0) upstream.write(chunk.subarray(0, room));
        if (seen >= stopAt) {
          upstream.destroy();
          req.socket.destroy();
        }
      });
      if (stopAt === 0) {
        upstream.destroy();
        req.socket.destroy();
      }
      return;
    }

    if (fault === 'flip') {
      const body = await readAll(req).catch((e: unknown) => {
        upstream.destroy();
        throw e;
      });
      if (body.length) body[Math.floor(fraction * body.length)]! ^= 1 << Math.floor(fraction * 8);
      upstream.end(body);
    } else {
      req.pipe(upstream);
    }
    upstream.on('response', (up) => {
      if (fault === 'drop') {
        // The server has answered: whatever it did is done, and the device never hears of it.
        up.resume();
        up.on('end', () => req.socket.destroy());
        return;
      }
      if (fault === 'cut') {
        void readAll(up)
          .then((body) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.write(body.subarray(0, Math.floor(body.length * fraction)), () => req.socket.destroy());
          })
          .catch(() => req.socket.destroy());
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
  }
}
