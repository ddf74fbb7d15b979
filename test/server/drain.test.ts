import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { apiErrorHandler } from '../../server/errors.js';
import { sha256Hex, startListeningServer, withHeaderLines, type TestServer } from './helpers.js';

const MIB = 1024 * 1024;

/** What the server sent before it closed, how much of the body went out, and when it closed. */
interface Outcome {
  received: string;
  sent: number;
  closedAfterMs: number;
}

/** Sends head, then sendBytes of zeros in 64 KiB writes, and waits for the server to close the connection. */
function sendAndWaitForClose(port: number, head: string, sendBytes: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024);
    let received = '';
    let sent = 0;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    // The server cuts the connection on purpose; the reset is the point.
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received, sent, closedAfterMs: Date.now() - started }));
    socket.write(head);
    const writeMore = (): void => {
      while (sent < sendBytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', writeMore);
          return;
        }
      }
    };
    writeMore();
  });
}

describe('reading a refused body to its end', () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    const listening = await startListeningServer({ photoMaxBytes: 64 * 1024 });
    server = listening;
    port = listening.port;
  });
  after(() => server.close());

  const photoHead = (bytes: number, extra = ''): string =>
    withHeaderLines(
      `PUT /api/photos/${sha256Hex(Buffer.from('x'))} HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${bytes}\r\n${extra}\r\n`,
      server.headers,
    );

  it(
    'keeps the connection for the next request once the refused body has all arrived',
    { timeout: 60_000 },
    async () => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.write(photoHead(4 * MIB));
      socket.write(Buffer.alloc(4 * MIB));
      socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
      // Both answers, or the connection's end: whichever comes first, however long a busy machine takes.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (/"ok":true/.test(received)) resolve();
        };
        socket.on('data', check);
        socket.on('close', () => resolve());
        check();
      });
      socket.destroy();
      assert.match(received, /^HTTP\/1\.1 413 /);
      assert.match(received, /HTTP\/1\.1 200 [\s\S]*"ok":true/);
    },
  );

  it('closes the connection once the refused body has all arrived, when the client asked for that', async () => {
    const outcome = await sendAndWaitForClose(port, photoHead(8 * MIB, 'Connection: close\r\n'), 8 * MIB);
    assert.equal(outcome.sent, 8 * MIB);
    assert.match(outcome.received, /^HTTP\/1\.1 413 /);
    assert.match(outcome.received, /"payload_too_large"/);
  });

  it('stops reading a refused body past 64 MiB and closes the connection', async () => {
    const outcome = await sendAndWaitForClose(port, photoHead(1024 * MIB), 1024 * MIB);
    assert.match(outcome.received, /^HTTP\/1\.1 413 /);
    assert.ok(outcome.sent >= 64 * MIB, `closed after ${outcome.sent} bytes`);
    // What the socket buffers held when the server stopped is all that goes beyond.
    assert.ok(outcome.sent < 96 * MIB, `still open after ${outcome.sent} bytes`);
  });
});

describe('the time spent reading a refused body', () => {
  it('is limited: a client that stops sending is closed on', async () => {
    const app = Fastify();
    const handler = apiErrorHandler({ headers: {}, drain: { maxBytes: 64 * MIB, maxMs: 300 } });
    app.setErrorHandler(handler);
    app.put('/small', { bodyLimit: 1024 }, async () => ({ ok: true }));
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      const head = `PUT /small HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MIB}\r\n\r\n`;
      const outcome = await sendAndWaitForClose(port, head, 64 * 1024);
      assert.match(outcome.received, /^HTTP\/1\.1 413 /);
      assert.ok(outcome.closedAfterMs >= 250, `closed after ${outcome.closedAfterMs} ms`);
      assert.ok(outcome.closedAfterMs < 5000, `closed after ${outcome.closedAfterMs} ms`);
    } finally {
      await app.close();
    }
  });
});
