import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import type { ApiError } from '../../shared/submission.js';
import { sqliteSuite, startListeningServer, withHeaderLines, type TestServer } from './helpers.js';

interface RawAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

const HEAD_END = '\r\n\r\n';

/** The answer in bytes, once its head and as much body as Content-Length says have arrived; else null. */
function parseAnswer(bytes: Buffer): RawAnswer | null {
  const end = bytes.indexOf(HEAD_END);
  if (end < 0) return null;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  assert.ok(status?.[1], `not an HTTP/1.1 status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = bytes.subarray(end + HEAD_END.length);
  const length = Number(headers['content-length']);
  if (!(body.length >= length)) return null;
  return { status: Number(status[1]), headers, body: body.subarray(0, length).toString('utf8') };
}

/**
 * Writes bytes on a fresh TCP connection, then half-closes it when told to
 * (as a client cut off mid-upload), and reads one answer.
 */
function exchange(port: number, bytes: string, halfClose = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      const answer = parseAnswer(Buffer.concat(chunks));
      socket.destroy();
      if (answer) resolve(answer);
      else reject(new Error(`No complete answer: ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (parseAnswer(Buffer.concat(chunks))) done();
    });
    // The server may close at once after its answer; what it sent is still read.
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(bytes);
    if (halfClose) socket.end();
  });
}

/** The answer is an ApiError with the security headers and no-store, as every API answer. */
function assertApiAnswer(answer: RawAnswer, status: number): ApiError {
  assert.equal(answer.status, status, JSON.stringify(answer));
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
  const body = JSON.parse(answer.body) as ApiError;
  assert.equal(typeof body.error, 'string');
  assert.ok(body.message.length > 10, body.message);
  assert.match(answer.headers['content-security-policy'] ?? '', /default-src 'self'/);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  assert.equal(answer.headers['referrer-policy'], 'no-referrer');
  assert.equal(answer.headers['cache-control'], 'no-store');
  return body;
}

const ID = '0b7d9d8e-6f1c-4c7a-9d2e-3f4a5b6c7d8e';

// Refused before routing, so before any store: the SQLite pass covers it for both.
sqliteSuite('requests the HTTP parser refuses', () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    const listening = await startListeningServer();
    server = listening;
    port = listening.port;
  });
  after(() => server.close());

  const cases: {
    name: string;
    request: string;
    halfClose?: boolean;
    status: number;
    message: RegExp;
    /** interrupted: damaged or cut short on the way, so the client sends it again. */
    error?: string;
  }[] = [
    {
      name: 'an unknown method',
      request: 'FOO /api/health HTTP/1.1\r\nHost: x\r\n\r\n',
      status: 400,
      message: /method/,
    },
    {
      name: 'both Content-Length and Transfer-Encoding',
      request: `PUT /api/submissions/${ID} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      status: 400,
      message: /Transfer-Encoding with a Content-Length/,
    },
    {
      name: 'both Transfer-Encoding and Content-Length',
      request: `PUT /api/submissions/${ID} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`,
      status: 400,
      message: /Transfer-Encoding with a Content-Length/,
    },
    {
      name: 'a chunk size that is not a number',
      request: `PUT /api/photos/${'ab'.repeat(32)} HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n`,
      status: 400,
      message: /chunk/,
      error: 'interrupted',
    },
    {
      name: 'headers over 16 KiB',
      request: `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
      status: 431,
      message: /headers/,
    },
    {
      name: 'a body shorter than its Content-Length',
      request: `PUT /api/submissions/${ID} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":`,
      halfClose: true,
      status: 400,
      message: /ended before/,
      error: 'interrupted',
    },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with ${c.status}, an ApiError and the security headers, and closes`, async () => {
      const answer = await exchange(port, withHeaderLines(c.request, server.headers), c.halfClose);
      const body = assertApiAnswer(answer, c.status);
      assert.match(body.message, c.message);
      if (c.error) assert.equal(body.error, c.error);
      assert.equal(answer.headers.connection, 'close');
    });
  }

  it('answers a URL that is not valid percent-encoding with 400 and the security headers', async () => {
    const answer = await exchange(
      port,
      withHeaderLines('GET /api/submissions/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n', server.headers),
    );
    assert.equal(assertApiAnswer(answer, 400).error, 'bad_request');
  });

  it('answers a URL part over the length limit with 414 and the security headers', async () => {
    const answer = await exchange(
      port,
      withHeaderLines(
        `PUT /api/submissions/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
        server.headers,
      ),
    );
    assertApiAnswer(answer, 414);
  });

  it('keeps serving afterwards', async () => {
    const answer = await exchange(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(answer.status, 200);
  });
});
