/**
 * The review table's listing: the submissions a reviewer may see, filtered,
 * in received or captured order, page by page from a cursor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReviewPage } from '../../shared/review.js';
import type { ApiError, SubmissionPayload } from '../../shared/submission.js';
import { as, enrolledDevice, supervisor } from './accounts-helpers.js';
import {
  householdVisit,
  putSubmission,
  startTestServer,
  storedPhotosPayload,
  type TestServer,
} from './helpers.js';

describe('the review listing', () => {
  let server: TestServer;
  let admin: string;
  let households: string;
  let phone: { id: string; credential: string };
  /** Every submission sent, in the order the server received them. */
  const sent: SubmissionPayload[] = [];

  before(async () => {
    server = await startTestServer();
    admin = server.credentials!.admin.session;
    households = (await supervisor(server.app, ['household-visit'])).session;
    phone = await enrolledDevice(server.app, null, 'Kisumu team phone 3');
    const water = async (createdAt: string, notes: string): Promise<SubmissionPayload> => {
      const payload = await storedPhotosPayload(server.app);
      return { ...payload, createdAt, answers: { ...payload.answers, notes } };
    };
    const payloads: [SubmissionPayload, 'test' | 'phone'][] = [
      [await water('2026-11-20T08:00:00.000Z', 'Handle is loose.'), 'test'],
      [{ ...householdVisit(), createdAt: '2026-11-21T08:00:00.000Z' }, 'phone'],
      // 09:30 at +03:00 is 06:30 UTC: earlier than the first, though its text sorts after it.
      [await water('2026-11-20T09:30:00+03:00', 'Pump at 50% flow, ask the_mechanic'), 'phone'],
      [await water('2026-11-22T10:00:00.000Z', 'All good.'), 'test'],
      [{ ...householdVisit(), createdAt: '2026-11-19T23:59:59.999Z' }, 'test'],
    ];
    for (const [payload, by] of payloads) {
      const res =
        by === 'phone'
          ? await as(
              server.app,
              { device: phone.credential },
              { method: 'PUT', url: `/api/submissions/${payload.id}`, payload },
            )
          : await putSubmission(server.app, payload);
      assert.equal(res.statusCode, 201, res.body);
      sent.push(payload);
    }
    const review = async (i: number, body: object) => {
      const res = await server.app.inject({
        method: 'POST',
        url: `/api/submissions/${sent[i]!.id}/reviews`,
        payload: body,
      });
      assert.equal(res.statusCode, 201, res.body);
    };
    await review(0, { state: 'rejected', comment: 'Wrong pump.' });
    await review(1, { state: 'approved' });
    await review(2, { state: 'has_issues', comment: 'Flow rate?' });
  });
  after(() => server.close());

  const list = async (query: string, session = admin): Promise<ReviewPage> => {
    const res = await as(server.app, { session }, { method: 'GET', url: `/api/review/submissions?${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<ReviewPage>();
  };
  const ids = (page: ReviewPage): string[] => page.items.map((i) => i.submission.id);
  const idsOf = (...indexes: number[]): string[] => indexes.map((i) => sent[i]!.id);

  it('lists newest received first with each review state and sender, and pages without repeating or missing', async () => {
    const all = await list('');
    assert.deepEqual(ids(all), idsOf(4, 3, 2, 1, 0));
    assert.deepEqual(
      all.items.map((i) => i.reviewState),
      ['received', 'received', 'has_issues', 'approved', 'rejected'],
    );
    assert.equal(all.items[2]!.submission.sentBy?.deviceName, 'Kisumu team phone 3');
    assert.deepEqual(all.items[2]!.submission.answers, sent[2]!.answers);
    assert.equal(all.nextCursor, null);

    for (const sort of ['received', 'captured']) {
      const walked: string[] = [];
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const page = await list(`sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        walked.push(...ids(page));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      assert.equal(walked.length, 5, sort);
      assert.equal(new Set(walked).size, 5, sort);
    }
  });

  it('orders by capture time in UTC whatever offset the device wrote', async () => {
    assert.deepEqual(ids(await list('sort=captured')), idsOf(3, 1, 0, 2, 4));
  });

  it('filters by state, form, version, device, capture days and text within answers', async () => {
    assert.deepEqual(ids(await list('state=rejected,has_issues')), idsOf(2, 0));
    assert.deepEqual(ids(await list('state=received')), idsOf(4, 3));
    assert.deepEqual(ids(await list('form=household-visit')), idsOf(4, 1));
    assert.deepEqual(ids(await list('form=water-point-inspection&version=1')), idsOf(3, 2, 0));
    assert.deepEqual(ids(await list('form=water-point-inspection&version=2')), []);
    assert.deepEqual(ids(await list(`device=${phone.id}`)), idsOf(2, 1));
    // Days are UTC days: 2026-11-20 holds 08:00Z and 06:30Z (09:30+03:00), not 23:59Z the day before.
    assert.deepEqual(ids(await list('capturedFrom=2026-11-20&capturedBefore=2026-11-21')), idsOf(2, 0));
    assert.deepEqual(ids(await list('capturedFrom=2026-11-21T09:00:00%2B01:00')), idsOf(3, 1));
    assert.deepEqual(ids(await list('q=LOOSE')), idsOf(0));
    // Wildcards are taken literally: "50%" and "the_" match only the text that has them.
    assert.deepEqual(ids(await list('q=50%25')), idsOf(2));
    assert.deepEqual(ids(await list('q=the_mech')), idsOf(2));
    assert.deepEqual(ids(await list('q=5_%25')), []);
    assert.deepEqual(ids(await list('q=needs_repair&state=received')), idsOf(3));
    assert.deepEqual(ids(await list('state=approved&form=household-visit&device=' + phone.id)), idsOf(1));
  });

  it('finds choice answers by the labels the table shows, not only by their stored codes', async () => {
    // "vlg_00001" in a list of 20,000 villages, and "needs_repair" among a question's own choices.
    assert.deepEqual(ids(await list('q=abubuya%20central')), idsOf(4, 1));
    assert.deepEqual(ids(await list('q=Needs%20repair')), idsOf(3, 2, 0));
    assert.deepEqual(ids(await list('q=Needs%20repair&state=received')), idsOf(3));
    const counted = await as(
      server.app,
      { session: admin },
      { method: 'GET', url: '/api/review/count?q=Abubuya%20Central' },
    );
    assert.equal(counted.json<{ count: number }>().count, 2);
  });

  it("shows a supervisor only their forms' submissions, whatever the filter asks", async () => {
    assert.deepEqual(ids(await list('', households)), idsOf(4, 1));
    assert.deepEqual(ids(await list('form=water-point-inspection', households)), []);
  });

  it('answers a parameter it cannot use with 400 naming it', async () => {
    const captured = (await list('sort=captured&limit=1')).nextCursor!;
    for (const [query, field] of [
      ['sort=size', 'sort'],
      ['state=received,lost', 'state'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['version=first', 'version'],
      ['capturedFrom=yesterday', 'capturedFrom'],
      ['capturedBefore=2026-11-31T25:00:00Z', 'capturedBefore'],
      [`cursor=${captured}`, 'cursor'],
      ['cursor=bm90IGEgY3Vyc29y', 'cursor'],
    ] as const) {
      const res = await as(
        server.app,
        { session: admin },
        { method: 'GET', url: `/api/review/submissions?${query}` },
      );
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      const error = res.json<ApiError>();
      assert.equal(error.error, 'bad_request', query);
      assert.equal(error.field, field, query);
    }
  });
});
