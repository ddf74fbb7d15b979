// A map tile server for tests: real HTTP on 127.0.0.1, generated PNG tiles at
// /tiles/{z}/{x}/{y}.png whose bytes differ from tile to tile, a log of what
// was asked for, and switches that take the network away or slow it down.
import { createServer } from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';
import { crc32, deflateSync } from 'node:zlib';

/**
 * @typedef {object} TileRequest
 * @property {number} z
 * @property {number} x
 * @property {number} y
 * @property {number} status HTTP status answered, or 0 when the connection was dropped.
 */

/**
 * @typedef {object} TileServer
 * @property {string} origin For example `http://127.0.0.1:41234`.
 * @property {string} template Leaflet-style URL template of the tiles.
 * @property {TileRequest[]} requests Every tile request, in order of arrival (the live log).
 * @property {() => void} clearRequests Empties the log.
 * @property {() => void} reset Empties the log, brings the server up, removes latency and pending failures.
 * @property {(down: boolean) => void} setDown While down, every connection is dropped unanswered.
 * @property {(ms: number) => void} setLatency Delay before each tile is answered.
 * @property {(count: number, status?: number) => void} failNext The next `count` tiles are answered with `status` (503 unless given).
 * @property {() => Promise<void>} close
 */

const SIZE = 256;
/** Tiles stop here, as on many public tile servers. */
export const TILE_SERVER_MAX_ZOOM = 19;

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A minimal PNG: 8-bit RGB, no interlace, filter 0 on every row.
 * @param {number} width
 * @param {number} height
 * @param {Buffer} rgb width * height * 3 bytes, row by row
 * @returns {Buffer}
 */
export function encodePng(width, height, rgb) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let row = 0; row < height; row++) {
    rgb.copy(raw, row * (width * 3 + 1) + 1, row * width * 3, (row + 1) * width * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The tile's image: a colour of its own, a dark border, and a noisy square
 * seeded by the coordinates (a few kB once compressed, like real tiles).
 * @param {number} z
 * @param {number} x
 * @param {number} y
 * @returns {Buffer}
 */
export function renderTile(z, x, y) {
  let seed = (Math.imul(z + 1, 73856093) ^ Math.imul(x + 1, 19349663) ^ Math.imul(y + 1, 83492791)) >>> 0;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed >>> 24;
  };
  const base = [random(), random(), random()];
  const rgb = Buffer.alloc(SIZE * SIZE * 3);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      const i = (py * SIZE + px) * 3;
      const border = px < 2 || py < 2 || px >= SIZE - 2 || py >= SIZE - 2;
      const noisy = px >= 100 && px < 148 && py >= 100 && py < 148;
      for (let c = 0; c < 3; c++) rgb[i + c] = border ? 20 : noisy ? random() : base[c];
    }
  }
  return encodePng(SIZE, SIZE, rgb);
}

const TILE_PATH = /^\/tiles\/(\d+)\/(\d+)\/(\d+)\.png$/;

/**
 * Starts a tile server on a free port of 127.0.0.1.
 * @param {{ maxZoom?: number }} [options]
 * @returns {Promise<TileServer>}
 */
export async function startTileServer({ maxZoom = TILE_SERVER_MAX_ZOOM } = {}) {
  /** @type {TileRequest[]} */
  const requests = [];
  const rendered = new Map();
  const sockets = new Set();
  const timers = new Set();
  let down = false;
  let latency = 0;
  let failures = { count: 0, status: 503 };

  const drop = (req, entry) => {
    entry.status = 0;
    req.socket.destroy();
  };

  const server = createServer((req, res) => {
    const m = TILE_PATH.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!m) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end();
      return;
    }
    const [z, x, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const entry = { z, x, y, status: 0 };
    requests.push(entry);
    if (down) return drop(req, entry);
    const answer = () => {
      // Taken down while this tile waited: the answer is lost too.
      if (down) return drop(req, entry);
      if (res.destroyed) return;
      const headers = { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' };
      if (failures.count > 0) {
        failures.count--;
        entry.status = failures.status;
        res.writeHead(failures.status, { ...headers, 'Content-Type': 'text/plain' }).end('Injected failure');
        return;
      }
      const side = 2 ** z;
      if (z > maxZoom || x >= side || y >= side) {
        entry.status = 404;
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('No such tile');
        return;
      }
      const key = `${z}/${x}/${y}`;
      let png = rendered.get(key);
      if (!png) {
        png = renderTile(z, x, y);
        rendered.set(key, png);
      }
      entry.status = 200;
      res.writeHead(200, { ...headers, 'Content-Type': 'image/png', 'Content-Length': png.length }).end(png);
    };
    if (latency <= 0) return answer();
    const t = setTimeout(() => {
      timers.delete(t);
      answer();
    }, latency);
    timers.add(t);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The tile server has no port');
  const origin = `http://127.0.0.1:${address.port}`;

  return {
    origin,
    template: `${origin}/tiles/{z}/{x}/{y}.png`,
    requests,
    clearRequests() {
      requests.length = 0;
    },
    reset() {
      requests.length = 0;
      down = false;
      latency = 0;
      failures = { count: 0, status: 503 };
    },
    setDown(value) {
      down = value;
      // Kept-alive connections go too, as when the network itself is gone.
      if (down) for (const s of sockets) s.destroy();
    },
    setLatency(ms) {
      latency = ms;
    },
    failNext(count, status = 503) {
      failures = { count, status };
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
