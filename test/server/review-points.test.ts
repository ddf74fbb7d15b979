/** The review map's points and the device filter's devices, within the reviewer's forms. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReviewDevice, ReviewPoints } from '../../shared/review.js';
import { as, enrolledDevice, supervisor } from './accounts-helpers.js';
import {
  householdVisit,
  putSubmission,
  startTestServer,
  storedPhotosPayload,
  type TestServer,
} from './helpers.js';

describe('review map points', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('lists each located submission of the filter once, newest first, with its state', async () => {
    const located = householdVisit();
    located.answers = { ...located.answers, head_name: 'Mapped one' };
    const elsewhere = {
      ...householdVisit(),
      location: { lat: 1.5, lon: 35.25, accuracy: 4, time: '2026-11-20T09:30:00.000Z' },
    };
    elsewhere.answers = { ...elsewhere.answers, head_name: 'Mapped two', location: elsewhere.location };
    const water = await storedPhotosPayload(server.app);
    for (const p of [located, elsewhere, water])
      assert.equal((await putSubmission(server.app, p)).statusCode, 201);
    await server.app.inject({
      method: 'POST',
      url: `/api/submissions/${elsewhere.id}/reviews`,
      payload: { state: 'approved' },
    });

    const res = await server.app.inject({ method: 'GET', url: '/api/review/points?q=Mapped' });
    assert.equal(res.statusCode, 200, res.body);
    const { points, truncated } = res.json<ReviewPoints>();
    assert.equal(truncated, false);
    assert.deepEqual(points, [
      [elsewhere.id, 1.5, 35.25, 'approved'],
      [located.id, located.location!.lat, located.location!.lon, 'received'],
    ]);

    // A supervisor of the water points sees theirs only.
    const waterOnly = await supervisor(server.app, ['water-point-inspection']);
    const theirs = await as(
      server.app,
      { session: waterOnly.session },
      { method: 'GET', url: '/api/review/points' },
    );
    assert.deepEqual(
      theirs.json<ReviewPoints>().points.map((p) => p[0]),
      [water.id],
    );
    const wrong = await server.app.inject({ method: 'GET', url: '/api/review/points?state=lost' });
    assert.equal(wrong.statusCode, 400, wrong.body);
  });

  it("lists the devices that send the reviewer's forms, for the device filter", async () => {
    const households = await enrolledDevice(server.app, ['household-visit'], 'Households phone');
    const waterPhone = await enrolledDevice(server.app, ['water-point-inspection'], 'Water phone');
    const waterOnly = await supervisor(server.app, ['water-point-inspection']);
    const res = await as(
      server.app,
      { session: waterOnly.session },
      { method: 'GET', url: '/api/review/devices' },
    );
    assert.equal(res.statusCode, 200, res.body);
    const ids = res.json<ReviewDevice[]>().map((d) => d.id);
    assert.ok(ids.includes(waterPhone.id));
    assert.ok(ids.includes(server.sentBy!.deviceId), 'a device of every form');
    assert.ok(!ids.includes(households.id));
    const admin = await server.app.inject({ method: 'GET', url: '/api/review/devices' });
    assert.ok(admin.json<ReviewDevice[]>().some((d) => d.id === households.id));
  });
});
