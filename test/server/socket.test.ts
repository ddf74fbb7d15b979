import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ApiError } from '../../shared/submission.js';
import { fakePhoto, sha256Hex, startListeningServer, validPayload, type TestServer } from './helpers.js';
import { probePhotoStore } from './photo-store-probe.js';

interface Answer {
  status: number;
  body: string;
}

/** The test device's cookie and X-Fieldsync-Request, once the server is up. */
let credentials: Record<string, string> = {};

/**
 * Writes body in 16 KiB pieces, as a phone on a slow link would, each once
 * the last has gone, then ends the request. It waits for 'drain' on the
 * socket too: Node's client stops passing it on to the request once the
 * response has ended, which a server answering early makes happen mid-upload.
 */
function writeInPieces(req: ClientRequest, body: Buffer): void {
  let offset = 0;
  const writeMore = (): void => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + 16 * 1024);
      offset += chunk.length;
      if (!req.write(chunk)) {
        const socket = req.socket;
        // The socket's 'drain' also reaches the request's listener first (Node passes it on), and
        // the socket's copy of its listeners still holds this one: run once, or each extra run
        // would leave one more pair of listeners behind.
        let resumed = false;
        const resume = (): void => {
          if (resumed) return;
          resumed = true;
          req.off('drain', resume);
          socket?.off('drain', resume);
          writeMore();
        };
        req.once('drain', resume);
        socket?.once('drain', resume);
        return;
      }
    }
    req.end();
  };
  writeMore();
}

/** Sends body in chunks and reads whatever the server answers. */
function upload(port: number, path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const all = { ...credentials, ...headers };
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers: all }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    // The server may close before all is sent; that is expected once it has answered.
    req.on('error', (err) => reject(err));
    writeInPieces(req, body);
  });
}

/**
 * Sends the whole body and reads the answer, failing on any connection
 * error, even one after the answer: a server that closes while the client
 * still sends resets the connection, and a client that has not read the
 * answer by then (a phone on a slow link, or a client that reads only once
 * its upload is done) never sees it.
 */
function uploadWhole(
  port: number,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answer: Answer | null = null;
    let sent = false;
    const settle = (): void => {
      if (answer && sent) resolve(answer);
    };
    const all = { ...credentials, ...headers };
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers: all }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, body: text };
        settle();
      });
    });
    req.on('error', (err) => reject(err));
    req.on('finish', () => {
      sent = true;
      settle();
    });
    writeInPieces(req, body);
  });
}

/** Far more than the socket buffers hold: a server that stops reading makes the kernel reset the connection. */
const EIGHT_MIB = 8 * 1024 * 1024;

/** The client read a 413 with an ApiError body; returns its message. */
function assertTooLarge(res: Answer): string {
  assert.equal(res.status, 413, res.body);
  const body = JSON.parse(res.body) as ApiError;
  assert.equal(body.error, 'payload_too_large');
  return body.message;
}

/** Polls a condition of the file system (no event tells when the server touches it), up to 5 s. */
/** Waits for a state the server reaches on its own; the cap only stops a hung run. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('uploads over a real socket', () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    const listening = await startListeningServer({ photoMaxBytes: 64 * 1024 });
    server = listening;
    port = listening.port;
    credentials = listening.headers;
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

  // Each is refused before the server reads its body; the server must still take it all in.
  it('lets the client read the 413 of an 8 MiB photo announced by its Content-Length, every time', async () => {
    for (let i = 0; i < 5; i++) {
      const bytes = fakePhoto('image/jpeg', EIGHT_MIB);
      const res = await uploadWhole(port, `/api/photos/${sha256Hex(bytes)}`, bytes, {
        'content-type': 'image/jpeg',
        'content-length': String(bytes.length),
      });
      assert.match(assertTooLarge(res), /larger than the server accepts .*PHOTO_MAX_BYTES/);
    }
  });

  it('lets the client read the 413 of an 8 MiB submission announced by its Content-Length, every time', async () => {
    const payload = validPayload([]);
    const huge = { ...payload, answers: { ...payload.answers, notes: 'x'.repeat(EIGHT_MIB) } };
    const body = Buffer.from(JSON.stringify(huge));
    for (let i = 0; i < 5; i++) {
      const res = await uploadWhole(port, `/api/submissions/${payload.id}`, body, {
        'content-type': 'application/json',
        'content-length': String(body.length),
      });
      assert.match(assertTooLarge(res), /submission is larger than the server accepts \(1 MB\)/);
    }
  });

  it('lets the client read the 413 of an 8 MiB photo sent without a length', async () => {
    const bytes = fakePhoto('image/jpeg', EIGHT_MIB);
    const res = await uploadWhole(port, `/api/photos/${sha256Hex(bytes)}`, bytes, {
      'content-type': 'image/jpeg',
      'transfer-encoding': 'chunked',
    });
    assertTooLarge(res);
  });

  it('lets the client read the 415 of a large file that is not a photo', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), fakePhoto('image/jpeg', 60 * 1024)]);
    const res = await upload(port, `/api/photos/${sha256Hex(bytes)}`, bytes, {
      'content-type': 'image/jpeg',
    });
    assert.equal(res.status, 415);
  });

  it('keeps nothing of an upload the client abandons halfway, and keeps serving', async () => {
    const bytes = fakePhoto('image/jpeg', 60 * 1024);
    const req = request({
      host: '127.0.0.1',
      port,
      path: `/api/photos/${sha256Hex(bytes)}`,
      method: 'PUT',
      headers: { ...credentials, 'content-type': 'image/jpeg', 'content-length': String(bytes.length) },
    });
    req.on('error', () => undefined);
    const store = probePhotoStore(server);
    req.write(bytes.subarray(0, 20 * 1024));
    // Abandon it only once the server has started writing: otherwise there is nothing to clean up.
    await until(async () => (await store.leftovers()).length > 0, 'the upload reaches a temp file');
    req.destroy();
    await until(async () => (await store.leftovers()).length === 0, 'the temp file is removed');
    assert.deepEqual(await store.leftovers(), []);
    assert.equal(await store.read(sha256Hex(bytes)), null);
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
