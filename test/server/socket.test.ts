import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiError } from '../../shared/submission.js';
import { fakePhoto, sha256Hex, startTestServer, type TestServer } from './helpers.js';

interface Answer {
  status: number;
  body: string;
}

/** Sends body in chunks, as a phone on a slow link would, and reads whatever the server answers. */
function upload(port: number, path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    // The server may close before all is sent; that is expected once it has answered.
    req.on('error', (err) => reject(err));
    let offset = 0;
    const writeMore = (): void => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + 16 * 1024);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', writeMore);
          return;
        }
      }
      req.end();
    };
    writeMore();
  });
}

/** Polls a condition of the file system (no event tells when the server touches it), up to 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('uploads over a real socket', () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startTestServer({ photoMaxBytes: 64 * 1024 });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (server.app.server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('lets the client read the 413 of an oversized photo sent without a length', async () => {
    const bytes = fakePhoto('image/jpeg', 256 * 1024);
    const res = await upload(port, `/api/photos/${sha256Hex(bytes)}`, bytes, {
      'content-type': 'image/jpeg',
      'transfer-encoding': 'chunked',
    });
    assert.equal(res.status, 413);
    assert.equal((JSON.parse(res.body) as ApiError).error, 'payload_too_large');
  });

  it('lets the client read the 413 of an oversized photo announced by its Content-Length', async () => {
    const bytes = fakePhoto('image/jpeg', 256 * 1024);
    const res = await upload(port, `/api/photos/${sha256Hex(bytes)}`, bytes, {
      'content-type': 'image/jpeg',
      'content-length': String(bytes.length),
    });
    assert.equal(res.status, 413);
  });

  it('lets the client read the 415 of a large file that is not a photo', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), fakePhoto('image/jpeg', 60 * 1024)]);
    const res = await upload(port, `/api/photos/${sha256Hex(bytes)}`, bytes, {
      'content-type': 'image/jpeg',
    });
    assert.equal(res.status, 415);
  });

  it('removes the temp file of an upload the client abandons halfway and keeps serving', async () => {
    const bytes = fakePhoto('image/jpeg', 60 * 1024);
    const req = request({
      host: '127.0.0.1',
      port,
      path: `/api/photos/${sha256Hex(bytes)}`,
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg', 'content-length': String(bytes.length) },
    });
    req.on('error', () => undefined);
    const temps = () =>
      readdirSync(join(server.dataDir, 'photos'), { recursive: true, encoding: 'utf8' }).filter((f) =>
        f.includes('.tmp-'),
      );
    req.write(bytes.subarray(0, 20 * 1024));
    // Abandon it only once the server has started writing: otherwise there is nothing to clean up.
    await until(() => temps().length > 0, 'the upload reaches a temp file');
    req.destroy();
    await until(() => temps().length === 0, 'the temp file is removed').catch(() => undefined);
    assert.deepEqual(temps(), []);
    const health = await server.app.inject({ method: 'GET', url: '/api/health' });
    assert.equal(health.statusCode, 200);
  });

  it('still takes a photo just under the limit', async () => {
    const bytes = fakePhoto('image/webp', 64 * 1024);
    const res = await upload(port, `/api/photos/${sha256Hex(bytes)}`, bytes, {
      'content-type': 'image/webp',
    });
    assert.equal(res.status, 201, res.body);
  });
});
