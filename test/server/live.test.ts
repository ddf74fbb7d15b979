/**
 * The live review stream, read over a real socket as a browser's
 * EventSource reads it, and the outbox reports devices send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { DeviceOutboxList, OutboxReport } from '../../shared/live.js';
import type { ApiError, SubmissionPayload } from '../../shared/submission.js';
import { canonicalSubmission } from '../../server/canonical.js';
import { as, supervisor } from './accounts-helpers.js';
import { EventStream } from './event-stream.js';
import {
  cookieHeader,
  householdVisit,
  postgresSuite,
  putSubmission,
  startBeside,
  startListeningServer,
  storedPhotosPayload,
  type TestServer,
} from './helpers.js';

const WATER = 'water-point-inspection';

describe('the live review stream', { timeout: 120_000 }, () => {
  let server: TestServer & { port: number };
  let water: { id: string; session: string };
  let otherWater: { id: string; session: string };
  const streams: EventStream[] = [];

  before(async () => {
    server = await startListeningServer();
    water = await supervisor(server.app, [WATER]);
    otherWater = await supervisor(server.app, [WATER]);
  });
  after(async () => {
    for (const s of streams) s.close();
    await server.close();
  });

  const open = async (session: string, query = '', headers: Record<string, string> = {}) => {
    const stream = await EventStream.open(`http://127.0.0.1:${server.port}/api/review/live${query}`, {
      cookie: cookieHeader(null, session),
      ...headers,
    });
    streams.push(stream);
    return stream;
  };
  const send = async (given?: SubmissionPayload): Promise<string> => {
    const payload = given ?? (await storedPhotosPayload(server.app));
    const res = await putSubmission(server.app, payload);
    assert.equal(res.statusCode, 201, res.body);
    return payload.id;
  };
  const review = async (session: string, id: string, body: object) => {
    const res = await as(
      server.app,
      { session },
      { method: 'POST', url: `/api/submissions/${id}/reviews`, payload: body },
    );
    assert.equal(res.statusCode, 201, res.body);
  };
  const report = (body: OutboxReport) =>
    server.app.inject({ method: 'PUT', url: '/api/outbox', payload: body });

  it('starts with ready, then sends each new submission matching its filter, each review and each outbox report', async () => {
    const stream = await open(water.session, `?form=${WATER}`);
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(stream.response.headers['content-encoding'], undefined);
    const ready = await stream.expect('ready');

    // Another form's submission is not this supervisor's: the next event is the water point's.
    await send(householdVisit());
    const id = await send();
    const arrived = await stream.expect('submission');
    assert.equal(arrived.data.submission.id, id);
    assert.equal(arrived.data.reviewState, 'received');
    assert.deepEqual(arrived.data.submission.sentBy, server.sentBy);

    await review(otherWater.session, id, { state: 'rejected', comment: 'Wrong pump.' });
    const reviewed = await stream.expect('review');
    assert.equal(reviewed.data.submissionId, id);
    assert.equal(reviewed.data.to, 'rejected');
    assert.equal(reviewed.data.comment, 'Wrong pump.');

    const res = await report({
      reportedAt: '2026-11-30T10:00:00.000+03:00',
      waiting: 2,
      oldestCapturedAt: '2026-11-28T08:00:00.000Z',
      items: [
        {
          formId: WATER,
          capturedAt: '2026-11-28T08:00:00.000Z',
          location: { latitude: -0.15, longitude: 34.48 },
        },
        { formId: 'household-visit', capturedAt: '2026-11-29T08:00:00.000Z', location: null },
      ],
    });
    assert.equal(res.statusCode, 204, res.body);
    const outbox = await stream.expect('outbox');
    assert.equal(outbox.data.deviceId, server.sentBy!.deviceId);
    // Only the water point is this supervisor's to see, and the list was whole, so it counts one.
    assert.deepEqual(outbox.data.items, [
      {
        formId: WATER,
        capturedAt: '2026-11-28T08:00:00.000Z',
        location: { latitude: -0.15, longitude: 34.48 },
      },
    ]);
    assert.equal(outbox.data.waiting, 1);
    assert.equal(outbox.data.oldestCapturedAt, '2026-11-28T08:00:00.000Z');

    const positions = [ready, arrived, reviewed, outbox].map((e) => e.id.split('.').map(Number));
    for (let i = 1; i < positions.length; i++) {
      const [was, now] = [positions[i - 1]!, positions[i]!];
      assert.ok(
        now.every((n, k) => n >= was[k]!) && now.some((n, k) => n > was[k]!),
        `${now.join('.')} is after ${was.join('.')}`,
      );
    }
    stream.close();
  });

  it('sends a client that reconnects with the last id everything it missed, once', async () => {
    const first = await open(water.session);
    const { id: lastId } = await first.expect('ready');
    first.close();

    const missed = [await send(), await send()];
    await review(otherWater.session, missed[0]!, { comment: 'Looks fine.' });

    // As EventSource reconnects: the same URL, and the header with the last id.
    const again = await open(water.session, '', { 'last-event-id': lastId });
    const ready = await again.expect('ready');
    assert.equal(ready.id, lastId);
    assert.equal((await again.expect('submission')).data.submission.id, missed[0]);
    assert.equal((await again.expect('submission')).data.submission.id, missed[1]);
    const comment = await again.expect('review');
    assert.equal(comment.data.comment, 'Looks fine.');

    // From ?after too, for a client that starts a new EventSource where the last one got to.
    const resumed = await open(water.session, `?after=${encodeURIComponent(comment.id)}`);
    await resumed.expect('ready');
    const later = await send();
    assert.equal((await resumed.expect('submission')).data.submission.id, later);
    // The first reconnection has it too, and nothing it had before.
    assert.equal((await again.expect('submission')).data.submission.id, later);
    again.close();
    resumed.close();
  });

  it('asks the client to reload rather than replay more than a thousand submissions', async () => {
    const admin = server.credentials!.admin.session;
    const stream = await open(admin);
    const { id } = await stream.expect('ready');
    stream.close();
    const sentBy = server.sentBy;
    await server.repository.withTransaction(async (tx) => {
      for (let i = 0; i < 1001; i++) {
        const { payload, hash } = canonicalSubmission(householdVisit());
        await tx.insertSubmission({
          payload,
          contentHash: hash,
          receivedAt: new Date().toISOString(),
          sentBy,
        });
      }
    });
    server.repository.changes.announce('submission');
    const again = await open(admin, '', { 'last-event-id': id });
    await again.expect('ready');
    const reset = await again.expect('reset');
    const [seq] = reset.id.split('.').map(Number);
    const [before] = id.split('.').map(Number);
    assert.ok(seq! >= before! + 1001, `the reset moves past the ${1001} rows: ${reset.id} after ${id}`);
    const next = await send();
    assert.equal((await again.expect('submission')).data.submission.id, next);
    again.close();
  });

  it('ends with the session, and a reconnection is refused', async () => {
    const leaving = await supervisor(server.app, [WATER]);
    const stream = await open(leaving.session);
    await stream.expect('ready');
    const out = await as(server.app, { session: leaving.session }, { method: 'DELETE', url: '/api/session' });
    assert.equal(out.statusCode, 204, out.body);
    await send();
    const ended = await stream.expect('ended');
    assert.match(ended.data.reason, /session has ended/);
    assert.equal(await stream.next(), null);
    const refused = await open(leaving.session);
    assert.equal(refused.response.status, 401);
    assert.equal(((await refused.response.json()) as ApiError).error, 'unauthorized');
  });

  it('refuses an event id it did not give out, saying so', async () => {
    const stream = await open(water.session, '', { 'last-event-id': 'not-an-id' });
    assert.equal(stream.response.status, 400);
    const body = (await stream.response.json()) as ApiError;
    assert.equal(body.field, 'Last-Event-ID');
  });

  it('lets the server close while streams are open, ending them', async () => {
    const other = await startListeningServer();
    const admin = other.credentials!.admin.session;
    const stream = await EventStream.open(`http://127.0.0.1:${other.port}/api/review/live`, {
      cookie: cookieHeader(null, admin),
    });
    await stream.expect('ready');
    await other.close();
    assert.equal(await stream.next(), null);
  });
});

describe('outbox reports', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startListeningServer();
  });
  after(() => server.close());

  const report = (body: object) => server.app.inject({ method: 'PUT', url: '/api/outbox', payload: body });
  const valid: OutboxReport = {
    reportedAt: '2026-11-30T10:00:00.000Z',
    waiting: 3,
    oldestCapturedAt: '2026-11-27T10:00:00.000Z',
    items: [
      { formId: WATER, capturedAt: '2026-11-27T10:00:00.000Z', location: { latitude: 1, longitude: 2 } },
      { formId: 'household-visit', capturedAt: '2026-11-28T10:00:00.000Z', location: null },
    ],
  };

  it('refuses a report that does not add up, naming the field', async () => {
    const cases: [object, string][] = [
      [{ ...valid, waiting: 1 }, 'waiting'],
      [{ ...valid, oldestCapturedAt: null }, 'oldestCapturedAt'],
      [{ ...valid, waiting: 0, items: [] }, 'oldestCapturedAt'],
      [{ ...valid, reportedAt: '2026-11-30 10:00' }, 'reportedAt'],
      [{ ...valid, items: [{ ...valid.items[0], capturedAt: 'yesterday' }] }, 'items[0].capturedAt'],
    ];
    for (const [body, field] of cases) {
      const res = await report(body);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json<ApiError>().field, field, res.body);
    }
    const shape = await report({ ...valid, items: [{ formId: WATER }] });
    assert.equal(shape.statusCode, 400, shape.body);
  });

  it('shows each reviewer the latest report of the devices sending their forms, and only those forms', async () => {
    assert.equal((await report(valid)).statusCode, 204);
    const latest = { ...valid, reportedAt: '2026-11-30T11:00:00.000Z' };
    assert.equal((await report(latest)).statusCode, 204);

    const all = await server.app.inject({ method: 'GET', url: '/api/review/outboxes' });
    assert.equal(all.statusCode, 200, all.body);
    const [mine, ...others] = all.json<DeviceOutboxList>().devices;
    assert.deepEqual(others, []);
    assert.equal(mine!.reportedAt, latest.reportedAt);
    assert.equal(mine!.waiting, 3);
    assert.equal(mine!.items.length, 2);
    assert.equal(mine!.deviceId, server.sentBy!.deviceId);
    assert.ok(mine!.lastSeenAt, 'the device has been seen');

    const households = await supervisor(server.app, ['household-visit']);
    const theirs = await as(
      server.app,
      { session: households.session },
      { method: 'GET', url: '/api/review/outboxes' },
    );
    const [seen] = theirs.json<DeviceOutboxList>().devices;
    // Three wait, two are listed: the list is not whole, so the device's totals stand.
    assert.equal(seen!.waiting, 3);
    assert.deepEqual(
      seen!.items.map((i) => i.formId),
      ['household-visit'],
    );
  });
});

postgresSuite('the live review stream across server instances', () => {
  it(
    'hears what another instance received, also after losing its link to the database',
    { timeout: 60_000 },
    async () => {
      const first = await startListeningServer();
      const second = await startBeside(first);
      try {
        const stream = await EventStream.open(`http://127.0.0.1:${first.port}/api/review/live`, {
          cookie: cookieHeader(null, first.credentials!.admin.session),
        });
        await stream.expect('ready');
        const payload = householdVisit();
        assert.equal((await putSubmission(second, payload)).statusCode, 201);
        assert.equal((await stream.expect('submission')).data.submission.id, payload.id);

        // The listening connection dropped (a database restart, a network fault): it listens again and reads.
        const admin = new pg.Client({ connectionString: first.databaseUrl! });
        await admin.connect();
        try {
          const ended = await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()",
          );
          assert.ok(ended.rowCount! >= 1, 'a listening connection was there to end');
        } finally {
          await admin.end();
        }
        const later = householdVisit();
        assert.equal((await putSubmission(second, later)).statusCode, 201);
        assert.equal((await stream.expect('submission')).data.submission.id, later.id);
        stream.close();
      } finally {
        await second.close();
        await first.close();
      }
    },
  );
});
