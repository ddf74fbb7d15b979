/**
 * Exports as a client on a real socket meets them: a failure after the
 * first byte cuts the download (never a short file that looks whole), and
 * the server reads no further than the client takes, nor once it has gone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { probePhotoStore } from './photo-store-probe.js';
import { SURVEY_FORMS, seedSurveys, type Seeded } from './export-fixtures.js';
import { formsDirMaker, putSubmission, startListeningServer, type TestServer } from './helpers.js';

/** How long no read must start for the server's walk through the rows to count as stopped. */
const QUIET_MS = 500;

interface Download {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: number;
  /** Whether the whole message arrived: false when the connection was cut first. */
  complete: boolean;
}

describe('exports on the wire', () => {
  const makeFormsDir = formsDirMaker();
  let server: TestServer & { port: number };
  let seeded: Seeded;
  /** listForReview as the exports call it: counted, and failing at the call given. */
  let reads = 0;
  let failAt = 0;

  before(async () => {
    const formsDir = makeFormsDir(SURVEY_FORMS);
    server = await startListeningServer({ formsDir, exportPageSize: 2 });
    seeded = await seedSurveys(server);
    const repo = server.repository;
    const list = repo.listForReview.bind(repo);
    repo.listForReview = async (query) => {
      reads++;
      if (reads === failAt) throw new Error('The database went away.');
      return list(query);
    };
  });
  after(() => server.close());

  /** A GET read to its end or its cut; read pauses after the headers until it resolves. */
  const download = (
    path: string,
    headers: Record<string, string> = {},
    read: Promise<void> = Promise.resolve(),
  ): Promise<Download> =>
    new Promise((resolve, reject) => {
      const req = request({ port: server.port, path, headers: { ...server.headers, ...headers } }, (res) => {
        let bytes = 0;
        res.pause();
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('error', () => undefined);
        res.on('close', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, complete: res.complete }),
        );
        void read.then(() => res.resume());
      });
      req.on('error', reject);
      req.end();
    });

  it('cuts the ZIP when a photo is lost after the first byte, and goes on serving', async () => {
    const lost = seeded.sent[1]!.payload.photos[0]!.sha256;
    await probePhotoStore(server).lose(lost);
    const cut = await download('/api/review/export.zip?form=survey');
    assert.equal(cut.status, 200);
    assert.ok(cut.bytes > 0);
    assert.equal(cut.complete, false, 'the client must see the download cut short');
    const csv = await download('/api/review/export.csv?form=survey');
    assert.deepEqual([csv.status, csv.complete], [200, true]);
  });

  it('cuts the CSV and the GeoJSON, compressed or not, when the database fails after the first byte', async () => {
    for (const path of ['/api/review/export.csv?form=survey', '/api/review/export.geojson?form=survey']) {
      for (const encoding of ['identity', 'gzip']) {
        // The snapshot, then (CSV) a look at each of the two versions, then the pages: the second page fails.
        const at = path.includes('csv') ? 5 : 3;
        reads = 0;
        failAt = at;
        const cut = await download(path, { 'accept-encoding': encoding });
        failAt = 0;
        assert.equal(cut.status, 200, `${path} ${encoding}`);
        assert.equal(cut.headers['content-encoding'], encoding === 'gzip' ? 'gzip' : undefined);
        assert.equal(cut.complete, false, `${path} ${encoding}: the client must see the download cut short`);
        assert.equal(reads, at, `${path} ${encoding}: no read after the failure`);
      }
    }
  });

  it('reads no further than the client takes, and stops when it goes away', async () => {
    // Sixty rows of 400 kB (24 MB): more than the socket buffers between server and client hold.
    const big = { formId: 'survey', formVersion: 2, createdAt: '2026-11-25T10:00:00Z', location: null };
    for (let i = 0; i < 60; i++) {
      const payload = {
        ...seeded.sent[3]!.payload,
        ...big,
        id: randomUUID(),
        answers: { site: 'site_001', notes: `${i} ${'x'.repeat(400_000)}` },
        photos: [],
      };
      assert.equal((await putSubmission(server.app, payload)).statusCode, 201);
    }
    reads = 0;
    /** Resolves once no read has started for a while: the walk has stopped, for whatever reason. */
    const readsSettle = async (): Promise<number> => {
      for (let seen = -1; seen !== reads;) {
        seen = reads;
        await sleep(QUIET_MS);
      }
      return reads;
    };
    // The server's side of the download: what it has written, and when it sees the client go.
    const serverSide = new Promise<ServerResponse>((resolve) =>
      server.app.server.once('request', (_req: IncomingMessage, res: ServerResponse) => resolve(res)),
    );
    const req = request({
      port: server.port,
      path: '/api/review/export.csv?form=survey',
      headers: server.headers,
    });
    const response = new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
    req.on('error', () => undefined);
    req.end();
    try {
      (await response).pause();
      const res = await serverSide;
      // The socket is full: the server has more to write than the client has taken.
      while (!res.writableNeedDrain && !res.writableEnded) await sleep(50);
      assert.ok(res.writableNeedDrain, 'the server finished a download larger than the socket holds');
      // A walk to the end takes 3 reads to plan and 32 pages; one that ignored the
      // client would go on to the end rather than stop here.
      const waiting = await readsSettle();
      assert.ok(waiting < 20, `${waiting} reads before the client read a byte`);
      const closed = new Promise((resolve) => res.once('close', resolve));
      req.destroy();
      await closed;
      assert.equal(await readsSettle(), waiting, 'no read once the client has gone');
    } finally {
      // Whatever failed, the client goes: a connection left open would keep the server from closing.
      req.destroy();
    }
    const after = await download('/api/review/export.csv?form=survey&state=approved');
    assert.deepEqual([after.status, after.complete], [200, true]);
  });
});
