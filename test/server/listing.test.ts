import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ApiError, Receipt, ServerSubmission, SubmissionPage } from '../../shared/submission.js';
import { putSubmission, startTestServer, storedPhotosPayload, type TestServer } from './helpers.js';

describe('GET /api/submissions', () => {
  let server: TestServer;
  const receipts: Receipt[] = [];
  before(async () => {
    server = await startTestServer();
    for (let i = 0; i < 7; i++) {
      const res = await putSubmission(server.app, await storedPhotosPayload(server.app));
      receipts.push(res.json<Receipt>());
    }
  });
  after(() => server.close());

  const page = async (query: string): Promise<SubmissionPage> => {
    const res = await server.app.inject({ method: 'GET', url: `/api/submissions${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<SubmissionPage>();
  };

  it('pages newest first with an opaque cursor until nextCursor is null', async () => {
    const first = await page('?limit=3');
    const second = await page(`?limit=3&cursor=${first.nextCursor}`);
    const third = await page(`?limit=3&cursor=${second.nextCursor}`);
    assert.deepEqual(
      [first, second, third].map((p) => p.items.length),
      [3, 3, 1],
    );
    assert.equal(typeof first.nextCursor, 'string');
    assert.equal(typeof second.nextCursor, 'string');
    assert.equal(third.nextCursor, null);
    const ids = [...first.items, ...second.items, ...third.items].map((s) => s.receipt.id);
    assert.deepEqual(ids, receipts.map((r) => r.id).reverse());
    const seqs = [...first.items, ...second.items, ...third.items].map((s) => s.receipt.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => b - a),
    );
  });

  it('gives a null cursor when the last page is exactly full', async () => {
    const all = await page('?limit=7');
    assert.equal(all.items.length, 7);
    assert.equal(all.nextCursor, null);
  });

  it('returns 50 at most by default and each item as a ServerSubmission', async () => {
    const all = await page('');
    assert.equal(all.items.length, 7);
    const item = all.items[0] as ServerSubmission;
    assert.deepEqual(item.receipt, receipts[6]);
    assert.equal(item.formId, 'water-point-inspection');
    assert.equal(item.photos.length, 1);
  });

  it('shows a submission arriving between pages on the next first page, not in the middle', async () => {
    const first = await page('?limit=4');
    const res = await putSubmission(server.app, await storedPhotosPayload(server.app));
    receipts.push(res.json<Receipt>());
    const second = await page(`?limit=4&cursor=${first.nextCursor}`);
    assert.deepEqual(
      second.items.map((s) => s.id),
      receipts
        .slice(0, 3)
        .map((r) => r.id)
        .reverse(),
    );
    assert.equal((await page('?limit=1')).items[0]?.id, receipts[7]?.id);
  });
});

describe('GET /api/submissions/:id', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('returns the stored submission with its receipt', async () => {
    const payload = await storedPhotosPayload(server.app);
    const receipt = (await putSubmission(server.app, payload)).json<Receipt>();
    const res = await server.app.inject({ method: 'GET', url: `/api/submissions/${payload.id}` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ...payload, receipt, sentBy: server.sentBy });
  });

  it('answers 404 JSON for an id it does not hold', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/api/submissions/${randomUUID()}` });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json<ApiError>().error, 'not_found');
  });
});
