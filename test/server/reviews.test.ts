/**
 * Reviewing submissions: states, comments, the append-only history, and
 * reviewers who change the same submission at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { FeedbackPage, ReviewEvent, ReviewPage, ReviewState } from '../../shared/review.js';
import type { ApiError, SubmissionPayload } from '../../shared/submission.js';
import { as, enrolledDevice, supervisor } from './accounts-helpers.js';
import {
  householdVisit,
  putSubmission,
  startTestServer,
  storedPhotosPayload,
  type TestServer,
} from './helpers.js';

interface Outcome {
  state: ReviewState;
  event: ReviewEvent | null;
}

describe('reviews', () => {
  let server: TestServer;
  let water: { id: string; session: string };
  let otherWater: { id: string; session: string };
  let households: { id: string; session: string };

  before(async () => {
    server = await startTestServer();
    water = await supervisor(server.app, ['water-point-inspection']);
    otherWater = await supervisor(server.app, ['water-point-inspection']);
    households = await supervisor(server.app, ['household-visit']);
  });
  after(() => server.close());

  /** A new submission of the demo form, sent by the test device; answers its id. */
  const received = async (given?: SubmissionPayload): Promise<string> => {
    const payload = given ?? (await storedPhotosPayload(server.app));
    const res = await putSubmission(server.app, payload);
    assert.equal(res.statusCode, 201, res.body);
    return payload.id;
  };
  const review = (session: string, id: string, body: object) =>
    as(server.app, { session }, { method: 'POST', url: `/api/submissions/${id}/reviews`, payload: body });
  const history = async (session: string, id: string): Promise<ReviewEvent[]> => {
    const res = await as(server.app, { session }, { method: 'GET', url: `/api/submissions/${id}/reviews` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<ReviewEvent[]>();
  };

  it('records each change of state and each comment, who and when, in order', async () => {
    const id = await received();
    assert.deepEqual(await history(water.session, id), []);

    const approved = await review(water.session, id, { state: 'approved' });
    assert.equal(approved.statusCode, 201, approved.body);
    const first = approved.json<Outcome>();
    assert.equal(first.state, 'approved');
    assert.ok(first.event);
    assert.equal(first.event.from, 'received');
    assert.equal(first.event.to, 'approved');
    assert.equal(first.event.comment, null);
    assert.equal(first.event.submissionId, id);
    assert.equal(first.event.by.userId, water.id);
    assert.match(first.event.by.username, /^supervisor-/);
    assert.ok(Math.abs(Date.parse(first.event.at) - Date.now()) < 60_000);

    // A comment alone keeps the state; padding is trimmed.
    const comment = await review(otherWater.session, id, { comment: '  Meter photo is clear.  ' });
    assert.equal(comment.statusCode, 201, comment.body);
    const second = comment.json<Outcome>();
    assert.equal(second.state, 'approved');
    assert.deepEqual(
      [second.event?.from, second.event?.to, second.event?.comment],
      [null, null, 'Meter photo is clear.'],
    );

    // The state it already has, without a comment, changes nothing and adds nothing.
    const again = await review(water.session, id, { state: 'approved' });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json<Outcome>(), { state: 'approved', event: null });

    const events = await history(water.session, id);
    assert.deepEqual(events, [first.event, second.event]);
    assert.ok(events[0]!.id < events[1]!.id);
    // An administrator reads the same history.
    const asAdmin = await server.app.inject({ method: 'GET', url: `/api/submissions/${id}/reviews` });
    assert.deepEqual(asAdmin.json(), events);
  });

  it('asks for a comment before sending a submission back, and keeps nothing of a refused request', async () => {
    const id = await received();
    for (const body of [
      { state: 'rejected' },
      { state: 'has_issues', comment: '   ' },
      {},
      { comment: '' },
      { comment: 'x'.repeat(4001) },
    ]) {
      const res = await review(water.session, id, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      const error = res.json<ApiError>();
      assert.equal(error.error, 'bad_request');
      assert.equal(error.field, 'comment');
      assert.ok(error.message.length > 10);
    }
    const rejected = await review(water.session, id, { state: 'rejected' });
    assert.match(rejected.json<ApiError>().message, /Say what needs fixing: "Rejected" goes back/);
    assert.deepEqual(await history(water.session, id), []);

    for (const body of [{ state: 'lost' }, { state: 'approved', extra: 1 }, { comment: 7 }]) {
      const res = await review(water.session, id, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json<ApiError>().error, 'bad_request');
    }
    const sentBack = await review(water.session, id, {
      state: 'has_issues',
      comment: 'Photo of the pump is missing.',
    });
    assert.equal(sentBack.statusCode, 201, sentBack.body);
    assert.equal(sentBack.json<Outcome>().state, 'has_issues');
  });

  it("refuses a change made over another reviewer's, saying what they did", async () => {
    const id = await received();
    const mine = await review(water.session, id, {
      state: 'has_issues',
      comment: 'Flow rate looks too high.',
      expectedState: 'received',
    });
    assert.equal(mine.statusCode, 201, mine.body);
    const theirs = await review(otherWater.session, id, { state: 'approved', expectedState: 'received' });
    assert.equal(theirs.statusCode, 409, theirs.body);
    const error = theirs.json<ApiError>();
    assert.equal(error.error, 'conflict');
    assert.match(error.message, /Someone else has marked it "Has issues" meanwhile/);
    assert.deepEqual(
      (await history(water.session, id)).map((e) => e.to),
      ['has_issues'],
    );
    const afterLooking = await review(otherWater.session, id, {
      state: 'approved',
      expectedState: 'has_issues',
    });
    assert.equal(afterLooking.statusCode, 201, afterLooking.body);
  });

  it('answers 404 for submissions of forms the supervisor does not review, and for unknown ones', async () => {
    const id = await received();
    assert.equal((await review(households.session, id, { state: 'approved' })).statusCode, 404);
    const res = await as(
      server.app,
      { session: households.session },
      { method: 'GET', url: `/api/submissions/${id}/reviews` },
    );
    assert.equal(res.statusCode, 404);
    const visit = await received(householdVisit());
    assert.equal((await review(households.session, visit, { state: 'approved' })).statusCode, 201);
    const unknown = await review(water.session, '0b0e5b8e-6c4f-4d5e-9a51-7f3a4f1f0c11', {
      state: 'approved',
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json<ApiError>().error, 'not_found');
    assert.deepEqual(await history(water.session, id), []);
  });

  it('tells the device that sent a submission what reviewers did to it, and no other device', async () => {
    const id = await received();
    const feedback = async (cookies: { device?: string; session?: string }, after: number | string) =>
      as(server.app, cookies, { method: 'GET', url: `/api/feedback?after=${after}` });
    const device = server.credentials!.device.credential;
    const before = (await feedback({ device }, 0)).json<FeedbackPage>();
    const rejected = (
      await review(water.session, id, { state: 'rejected', comment: 'The meter is not in the photo.' })
    ).json<Outcome>();
    const commented = (
      await review(otherWater.session, id, { comment: 'Retake it in daylight.' })
    ).json<Outcome>();

    const res = await feedback({ device }, before.last);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const page = res.json<FeedbackPage>();
    assert.deepEqual(page.events, [rejected.event, commented.event]);
    assert.equal(page.last, commented.event!.id);
    assert.equal(page.more, false);
    assert.deepEqual((await feedback({ device }, page.last)).json<FeedbackPage>(), {
      events: [],
      last: page.last,
      more: false,
    });

    const other = await enrolledDevice(server.app);
    assert.deepEqual((await feedback({ device: other.credential }, 0)).json<FeedbackPage>().events, []);
    assert.equal((await feedback({ session: water.session }, 0)).statusCode, 403);
    for (const after of ['-1', 'abc', '1.5']) {
      const bad = await feedback({ device }, after);
      assert.equal(bad.statusCode, 400, after);
      assert.equal(bad.json<ApiError>().field, 'after');
    }
  });

  it('tells a browser enrolled again after a revocation what reviewers did to what it sent before', async () => {
    const feedback = async (device: string) =>
      (await as(server.app, { device }, { method: 'GET', url: '/api/feedback?after=0' })).json<FeedbackPage>()
        .events;
    /** Enrolls a device, sends a submission from it, and has it rejected; answers the device and the event. */
    const sentAndRejected = async (installationId?: string) => {
      const device = await enrolledDevice(server.app, null, 'Tablet', undefined, installationId);
      const payload = await storedPhotosPayload(server.app);
      const sent = await as(
        server.app,
        { device: device.credential },
        { method: 'PUT', url: `/api/submissions/${payload.id}`, payload },
      );
      assert.equal(sent.statusCode, 201, sent.body);
      const rejected = await review(water.session, payload.id, { state: 'rejected', comment: 'Which tap?' });
      return { device, event: rejected.json<Outcome>().event };
    };
    const revoke = async (id: string) =>
      assert.equal(
        (await server.app.inject({ method: 'DELETE', url: `/api/devices/${id}` })).statusCode,
        200,
      );

    const installation = randomUUID();
    const first = await sentAndRejected(installation);
    // The same installation id names no one while the enrollment it sent with still works.
    const again = await enrolledDevice(server.app, null, 'Tablet again', undefined, installation);
    assert.deepEqual(await feedback(again.credential), []);
    await revoke(first.device.id);
    assert.deepEqual(await feedback(again.credential), [first.event]);

    const stranger = await enrolledDevice(server.app, null, 'Another tablet', undefined, randomUUID());
    assert.deepEqual(await feedback(stranger.credential), []);
    // Apps that did not say their installation are never linked, to each other or to anyone.
    const unsaid = await sentAndRejected();
    await revoke(unsaid.device.id);
    const unsaidAgain = await enrolledDevice(server.app, null, 'An older app');
    assert.deepEqual(await feedback(unsaidAgain.credential), []);
  });

  it('keeps the app version a submission was captured with, for the reviewer, and refuses one too long', async () => {
    const payload = { ...(await storedPhotosPayload(server.app)), appVersion: '0.1.0' };
    assert.equal((await putSubmission(server.app, payload)).statusCode, 201);
    const listed = await as(
      server.app,
      { session: water.session },
      { method: 'GET', url: `/api/review/submissions?id=${payload.id}` },
    );
    assert.equal(listed.json<ReviewPage>().items[0]!.submission.appVersion, '0.1.0');
    const long = { ...(await storedPhotosPayload(server.app)), appVersion: 'x'.repeat(51) };
    const refused = await putSubmission(server.app, long);
    assert.equal(refused.statusCode, 400, refused.body);
  });

  it('links a correction to the submission it corrects, for the reviewer to see beside it', async () => {
    const original = await storedPhotosPayload(server.app);
    await received(original);
    await review(water.session, original.id, { state: 'has_issues', comment: 'Flow rate is missing.' });
    const correction: SubmissionPayload = {
      ...original,
      id: randomUUID(),
      answers: { ...original.answers, flow_rate: 9.5 },
      correctionOf: original.id,
    };
    const sent = await putSubmission(server.app, correction);
    assert.equal(sent.statusCode, 201, sent.body);
    const got = await as(
      server.app,
      { session: water.session },
      { method: 'GET', url: `/api/submissions/${correction.id}` },
    );
    assert.equal(got.json<SubmissionPayload>().correctionOf, original.id);
    const listed = await as(
      server.app,
      { session: water.session },
      { method: 'GET', url: `/api/review/submissions?correctionOf=${original.id}` },
    );
    assert.deepEqual(
      listed.json<ReviewPage>().items.map((i) => i.submission.id),
      [correction.id],
    );
    // The original stays as it was.
    const again = await as(
      server.app,
      { session: water.session },
      { method: 'GET', url: `/api/submissions/${original.id}` },
    );
    assert.equal(again.json<SubmissionPayload>().correctionOf, undefined);

    const self = { ...(await storedPhotosPayload(server.app)) };
    const refused = await putSubmission(server.app, { ...self, correctionOf: self.id });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json<ApiError>().field, 'correctionOf');
    const notAnId = await putSubmission(server.app, { ...self, correctionOf: 'yesterday' });
    assert.equal(notAnId.statusCode, 400, notAnId.body);
  });

  it('numbers events in the order they commit when reviewers change one submission at once', async () => {
    const id = await received();
    const states: ReviewState[] = ['approved', 'has_issues', 'rejected', 'received'];
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const state = states[i % states.length]!;
        const session = i % 2 === 0 ? water.session : otherWater.session;
        return review(session, id, { state, comment: `Change ${i}` });
      }),
    );
    for (const a of answers) assert.equal(a.statusCode, 201, a.body);
    const events = await history(water.session, id);
    assert.equal(events.length, 24);
    // Each event starts from the state the one before left: none was lost or applied out of order.
    let state: ReviewState = 'received';
    for (const e of events) {
      if (e.to !== null) {
        assert.equal(e.from, state, `event ${e.id}`);
        state = e.to;
      }
    }
    const ids = events.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.equal(await server.repository.getReviewState(id), state);
    // Catching up after an id sees exactly the later events, in order.
    const later = await server.repository.reviewEventsAfter(ids[11]!, 100);
    assert.deepEqual(
      later.filter((e) => e.submissionId === id).map((e) => e.id),
      ids.slice(12),
    );
  });
});
