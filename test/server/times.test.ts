import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiError, GeoPoint, SubmissionPayload } from '../../shared/submission.js';
import { isIsoDateTime } from '../../shared/validate.js';
import { HERE, putSubmission, startTestServer, storedPhotosPayload, type TestServer } from './helpers.js';

/** Not a date and time with its offset, or not one that exists. */
const BAD_TIMES = [
  '1',
  'yesterday',
  '2026-02-30',
  '2026-02-30T10:00:00Z',
  '2026-11-20',
  '2026-11-20T09:30:00',
  '2026-11-20T24:00:00Z',
  '2026-11-20T09:60:00Z',
  '2026-11-20T09:30:00+25:00',
  '2026-13-01T09:30:00Z',
  'Fri, 20 Nov 2026 09:30:00 GMT',
];

/** Each shape a device writes: toISOString() from the Geolocation API's timestamp, or an offset. */
const GOOD_TIMES = [
  new Date(Date.UTC(2026, 10, 20, 9, 30, 0, 123)).toISOString(),
  '2026-11-20T12:30:00.000+03:00',
  '2026-11-20T04:30:00-05:00',
  '2028-02-29T23:59:59Z',
];

describe('isIsoDateTime', () => {
  it('takes every time toISOString() writes for a device clock from 1970 to 2100', () => {
    const from = Date.UTC(1970, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    for (let i = 0; i <= 10_000; i++) {
      const time = new Date(from + Math.floor(((to - from) * i) / 10_000) + (i % 1000)).toISOString();
      assert.ok(isIsoDateTime(time), time);
    }
  });

  it('takes the end of a leap day and refuses the day after the last of a month', () => {
    assert.ok(isIsoDateTime('2024-02-29T23:59:59.999Z'));
    for (const time of ['2023-02-29T12:00:00Z', '2026-04-31T12:00:00Z', '2100-02-29T12:00:00Z']) {
      assert.equal(isIsoDateTime(time), false, time);
    }
  });

  it('refuses what Date.parse would take', () => {
    for (const time of BAD_TIMES) {
      assert.equal(isIsoDateTime(time), false, time);
    }
  });
});

describe('the time of a position', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** A valid payload whose location (answer and copy) was taken at time. */
  const locatedAt = async (time: string): Promise<SubmissionPayload> => {
    const payload = await storedPhotosPayload(server.app);
    const point: GeoPoint = { ...HERE, time };
    return { ...payload, location: point, answers: { ...payload.answers, location: point } };
  };

  it('refuses a location whose time is not a real ISO 8601 date and time with its offset', async () => {
    for (const time of BAD_TIMES) {
      const res = await putSubmission(server.app, await locatedAt(time));
      assert.equal(res.statusCode, 422, `${time}: ${res.body}`);
      const body = res.json<ApiError>();
      assert.equal(body.error, 'validation_failed');
      assert.equal(body.field, 'location');
      assert.match(body.message, /time .*ISO 8601/, time);
    }
  });

  it('refuses a photo geotag whose time is not a real ISO 8601 date and time', async () => {
    for (const time of BAD_TIMES) {
      const payload = await storedPhotosPayload(server.app);
      const photo = payload.photos[0];
      assert.ok(photo);
      const geotag = { lat: 1, lon: 2, accuracy: null, time, source: 'exif' as const };
      const res = await putSubmission(server.app, { ...payload, photos: [{ ...photo, geotag }] });
      assert.equal(res.statusCode, 422, `${time}: ${res.body}`);
      const body = res.json<ApiError>();
      assert.equal(body.field, 'photos[0].geotag.time');
      assert.match(body.message, /ISO 8601/);
    }
  });

  it('checks createdAt by the same rule, as a 400 naming it', async () => {
    for (const time of [...BAD_TIMES, '2026-11-20T09:31:00+0300', '2026-11-20 09:31:00Z']) {
      const res = await putSubmission(server.app, {
        ...(await storedPhotosPayload(server.app)),
        createdAt: time,
      });
      assert.equal(res.statusCode, 400, `${time}: ${res.body}`);
      assert.equal(res.json<ApiError>().field, 'createdAt');
      assert.match(res.json<ApiError>().message, /ISO 8601 date and time with its offset/);
    }
    for (const time of GOOD_TIMES) {
      const res = await putSubmission(server.app, {
        ...(await storedPhotosPayload(server.app)),
        createdAt: time,
      });
      assert.equal(res.statusCode, 201, `${time}: ${res.body}`);
    }
  });

  it('accepts the times devices write, and a geotag without a time', async () => {
    for (const time of GOOD_TIMES) {
      const located = await putSubmission(server.app, await locatedAt(time));
      assert.equal(located.statusCode, 201, `${time}: ${located.body}`);
      const payload = await storedPhotosPayload(server.app);
      const photo = payload.photos[0];
      assert.ok(photo);
      const geotag = { lat: 1, lon: 2, accuracy: 5, time, source: 'device' as const };
      const tagged = await putSubmission(server.app, { ...payload, photos: [{ ...photo, geotag }] });
      assert.equal(tagged.statusCode, 201, `${time}: ${tagged.body}`);
    }
    const payload = await storedPhotosPayload(server.app);
    const photo = payload.photos[0];
    assert.ok(photo);
    const geotag = { lat: 1, lon: 2, accuracy: null, time: null, source: 'exif' as const };
    const untimed = await putSubmission(server.app, { ...payload, photos: [{ ...photo, geotag }] });
    assert.equal(untimed.statusCode, 201, untimed.body);
  });
});
