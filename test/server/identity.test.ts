import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { ApiError, Receipt, ServerSubmission, SubmissionPayload } from '../../shared/submission.js';
import { migrate, readMigrations } from '../../server/storage/sqlite/database.js';
import {
  HERE,
  putSubmission,
  sha256Hex,
  sqliteSuite,
  startTestServer,
  storedPhotosPayload,
  tempDir,
  validPayload,
  type TestServer,
} from './helpers.js';

/** The payload as an app from before referenceVersion sends it. */
function withoutReferenceVersion(payload: SubmissionPayload): Partial<SubmissionPayload> {
  const older: Partial<SubmissionPayload> = { ...payload };
  delete older.referenceVersion;
  return older;
}

/** JSON with keys sorted at every level, as content hashes were computed before the canonical form. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sort(o[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

describe('the identity of a submission', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const get = async (id: string) =>
    (await server.app.inject({ method: 'GET', url: `/api/submissions/${id}` })).json<ServerSubmission>();

  it('does not change when referenceVersion, absent at first, is resent as null', async () => {
    const payload = await storedPhotosPayload(server.app);
    const first = await putSubmission(server.app, withoutReferenceVersion(payload));
    assert.equal(first.statusCode, 201, first.body);
    const again = await putSubmission(server.app, { ...payload, referenceVersion: null });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json<Receipt>(), first.json<Receipt>());
  });

  it('does not change when referenceVersion, null at first, is resent absent', async () => {
    const payload = await storedPhotosPayload(server.app);
    const first = await putSubmission(server.app, { ...payload, referenceVersion: null });
    assert.equal(first.statusCode, 201, first.body);
    const again = await putSubmission(server.app, withoutReferenceVersion(payload));
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json<Receipt>(), first.json<Receipt>());
  });

  it('treats empty optional answers as absent: stored without them, and the same submission as without', async () => {
    const payload = await storedPhotosPayload(server.app);
    const withEmpty = { ...payload, answers: { ...payload.answers, flow_rate: [], notes: '' } };
    const first = await putSubmission(server.app, withEmpty);
    assert.equal(first.statusCode, 201, first.body);
    const stored = await get(payload.id);
    assert.equal('flow_rate' in stored.answers, false);
    assert.equal('notes' in stored.answers, false);

    const withoutThem: SubmissionPayload = { ...payload, answers: { ...payload.answers } };
    delete withoutThem.answers.flow_rate;
    delete withoutThem.answers.notes;
    for (const resend of [
      withoutThem,
      withEmpty,
      { ...payload, answers: { ...withoutThem.answers, notes: [] } },
    ]) {
      const res = await putSubmission(server.app, resend);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json<Receipt>(), first.json<Receipt>());
    }
  });

  it('still refuses a required answer given as an empty string, with its own message', async () => {
    const payload = await storedPhotosPayload(server.app);
    const res = await putSubmission(server.app, { ...payload, answers: { ...payload.answers, site: '' } });
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json<ApiError>();
    assert.equal(body.field, 'site');
    assert.match(body.message, /Choose the site you are inspecting/);
  });

  it('accepts a location whose keys come in another order than its answer', async () => {
    const payload = await storedPhotosPayload(server.app);
    const { time, accuracy, lon, lat } = HERE;
    const res = await putSubmission(server.app, { ...payload, location: { time, accuracy, lon, lat } });
    assert.equal(res.statusCode, 201, res.body);
  });

  it('returns the payload in its canonical form, keys sorted at every level', async () => {
    const payload = await storedPhotosPayload(server.app);
    const reversed = Object.fromEntries(Object.entries(payload).reverse()) as unknown as SubmissionPayload;
    delete (reversed as Partial<SubmissionPayload>).referenceVersion;
    assert.equal((await putSubmission(server.app, reversed)).statusCode, 201);
    const res = await server.app.inject({ method: 'GET', url: `/api/submissions/${payload.id}` });
    const stored = res.json<ServerSubmission>();
    assert.equal(stored.referenceVersion, null);
    const { receipt, ...rest } = stored;
    assert.ok(receipt);
    assert.equal(JSON.stringify(rest), sortedJson(rest));
  });
});

// A database file as an earlier server left it, brought up to date by the
// code migration 0003: only SQLite has such files; PostgreSQL starts canonical.
sqliteSuite('submissions received before the canonical form', () => {
  const dataDir = tempDir('identity-upgrade');
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('still match a resend of the payload as first sent, and in its canonical form', async () => {
    // A database as the earlier server left it: its hash is of the payload exactly as received.
    const sent = validPayload([]);
    const received = { ...withoutReferenceVersion(sent), answers: { ...sent.answers, flow_rate: [] } };
    const old = new Database(join(dataDir, 'fieldsync.db'));
    try {
      migrate(
        old,
        readMigrations().filter((m) => m.version <= 2),
      );
      old
        .prepare(
          `INSERT INTO submissions (id, form_id, form_version, device_id, created_at, received_at, content_hash, payload)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          received.id,
          received.formId,
          received.formVersion,
          received.deviceId,
          received.createdAt,
          '2026-11-21T08:00:00.000Z',
          sha256Hex(Buffer.from(sortedJson(received))),
          JSON.stringify(received),
        );
    } finally {
      old.close();
    }

    const server = await startTestServer({ dataDir });
    try {
      const canonical: Partial<SubmissionPayload> = {
        ...received,
        referenceVersion: null,
        answers: { ...received.answers },
      };
      delete canonical.answers?.flow_rate;
      for (const resend of [received, canonical, { ...received, referenceVersion: null }]) {
        const res = await putSubmission(server.app, resend);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json<Receipt>(), {
          id: received.id,
          receivedAt: '2026-11-21T08:00:00.000Z',
          seq: 1,
        });
      }
      const stored = (
        await server.app.inject({ method: 'GET', url: `/api/submissions/${received.id}` })
      ).json<ServerSubmission>();
      assert.equal(stored.referenceVersion, null);
      assert.equal('flow_rate' in stored.answers, false);
    } finally {
      await server.app.close();
    }
  });
});
