/**
 * Reviewing many at once: the count a reviewer confirms, and the change
 * applied to exactly that set, even while submissions keep arriving and
 * other reviewers work on the same table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  BulkReviewOutcome,
  FeedbackPage,
  ReviewCount,
  ReviewEvent,
  ReviewPage,
} from '../../shared/review.js';
import type { ApiError, SubmissionPayload } from '../../shared/submission.js';
import { as, supervisor } from './accounts-helpers.js';
import { householdVisit, putSubmission, startTestServer, type TestServer } from './helpers.js';

describe('bulk review', () => {
  let server: TestServer;
  let households: { id: string; session: string };
  let water: { id: string; session: string };

  before(async () => {
    server = await startTestServer();
    households = await supervisor(server.app, ['household-visit']);
    water = await supervisor(server.app, ['water-point-inspection']);
  });
  after(() => server.close());

  /** Household visits whose head's name holds the word, sent by the test device; their ids. */
  const sendVisits = async (word: string, n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const v: SubmissionPayload = householdVisit();
      v.answers = { ...v.answers, head_name: `${word} ${i}` };
      assert.equal((await putSubmission(server.app, v)).statusCode, 201);
      ids.push(v.id);
    }
    return ids;
  };
  const call = (session: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    as(server.app, { session }, { method, url, ...(payload ? { payload } : {}) });
  const counted = async (session: string, query: string): Promise<ReviewCount> => {
    const res = await call(session, 'GET', `/api/review/count?${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<ReviewCount>();
  };
  const states = async (session: string, query: string): Promise<Map<string, string>> => {
    const res = await call(session, 'GET', `/api/review/submissions?${query}&limit=500`);
    assert.equal(res.statusCode, 200, res.body);
    return new Map(res.json<ReviewPage>().items.map((i) => [i.submission.id, i.reviewState]));
  };
  const history = async (id: string): Promise<ReviewEvent[]> =>
    (await call(households.session, 'GET', `/api/submissions/${id}/reviews`)).json<ReviewEvent[]>();

  it('applies to the set counted, not to what arrived since, with an event for each one changed', async () => {
    const ids = await sendVisits('Bulkset', 5);
    const q = 'q=Bulkset';
    // One was approved already: it is in the set, and left as it is.
    assert.equal(
      (await call(households.session, 'POST', `/api/submissions/${ids[0]}/reviews`, { state: 'approved' }))
        .statusCode,
      201,
    );
    const { count, upTo } = await counted(households.session, q);
    assert.equal(count, 5);
    const [late] = await sendVisits('Bulkset', 1);

    const res = await call(households.session, 'POST', '/api/review/bulk', {
      filter: { q: 'Bulkset' },
      upTo,
      expectedCount: count,
      state: 'approved',
      comment: 'Checked against the register.',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<BulkReviewOutcome>(), { state: 'approved', matched: 5, changed: 4 });

    const now = await states(households.session, q);
    for (const id of ids) assert.equal(now.get(id), 'approved', id);
    assert.equal(now.get(late!), 'received', 'the one received after the count is left to look at');
    const [event] = await history(ids[1]!);
    assert.equal(event!.from, 'received');
    assert.equal(event!.to, 'approved');
    assert.equal(event!.comment, 'Checked against the register.');
    assert.equal(event!.by.userId, households.id);
    assert.equal((await history(ids[0]!)).length, 1, 'the one already approved got no second event');
  });

  it('refuses, changing nothing, when the set is no longer the one counted', async () => {
    const ids = await sendVisits('Shrinking', 3);
    const q = 'q=Shrinking&state=received';
    const { count, upTo } = await counted(households.session, q);
    assert.equal(count, 3);
    // Another reviewer takes one out of the filtered state meanwhile.
    const other = await supervisor(server.app, ['household-visit']);
    await call(other.session, 'POST', `/api/submissions/${ids[2]}/reviews`, {
      state: 'has_issues',
      comment: 'The village is wrong.',
    });
    const res = await call(households.session, 'POST', '/api/review/bulk', {
      filter: { q: 'Shrinking', state: 'received' },
      upTo,
      expectedCount: count,
      state: 'rejected',
      comment: 'Duplicates of last week.',
    });
    assert.equal(res.statusCode, 409, res.body);
    const error = res.json<ApiError>();
    assert.equal(error.field, 'expectedCount');
    assert.match(error.message, /2 submissions match now, not 3/);
    const now = await states(households.session, 'q=Shrinking');
    assert.deepEqual([...ids.map((id) => now.get(id))], ['received', 'received', 'has_issues']);
  });

  it('reviews the rows selected, within the forms the reviewer reviews', async () => {
    const ids = await sendVisits('Picked', 3);
    const chosen = ids.slice(0, 2);
    const res = await call(households.session, 'POST', '/api/review/bulk', {
      ids: chosen,
      expectedCount: 2,
      state: 'has_issues',
      comment: 'Ask for the head of household in person.',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<BulkReviewOutcome>(), { state: 'has_issues', matched: 2, changed: 2 });
    const now = await states(households.session, 'q=Picked');
    assert.deepEqual(
      ids.map((id) => now.get(id)),
      ['has_issues', 'has_issues', 'received'],
    );
    // The device that sent them hears it, one event each.
    const feedback = await server.app.inject({ method: 'GET', url: '/api/feedback?after=0' });
    const heard = feedback.json<FeedbackPage>().events.filter((e) => chosen.includes(e.submissionId));
    assert.equal(heard.length, 2);

    // A supervisor of another form reaches none of them: the set is not what they were shown.
    const refused = await call(water.session, 'POST', '/api/review/bulk', {
      ids: chosen,
      expectedCount: 2,
      state: 'approved',
    });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal((await states(households.session, 'q=Picked')).get(chosen[0]!), 'has_issues');
  });

  it('says what is wrong with a request it cannot apply', async () => {
    const cases: [object, string][] = [
      [{ expectedCount: 1, state: 'approved' }, 'filter'],
      [{ filter: {}, ids: [crypto.randomUUID()], upTo: 1, expectedCount: 1, state: 'approved' }, 'filter'],
      [{ filter: {}, expectedCount: 1, state: 'approved' }, 'upTo'],
      [{ ids: [], expectedCount: 0, state: 'approved' }, 'ids'],
      [{ ids: [crypto.randomUUID()], expectedCount: 1, state: 'rejected' }, 'comment'],
      [{ filter: { state: 'lost' }, upTo: 1, expectedCount: 1, state: 'approved' }, 'state'],
    ];
    for (const [body, field] of cases) {
      const res = await call(households.session, 'POST', '/api/review/bulk', body);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json<ApiError>().field, field, res.body);
    }
    const tooMany = await call(households.session, 'POST', '/api/review/bulk', {
      ids: Array.from({ length: 1001 }, () => crypto.randomUUID()),
      expectedCount: 1001,
      state: 'approved',
    });
    assert.equal(tooMany.statusCode, 400, tooMany.body);
  });
});
