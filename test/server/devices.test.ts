/** Enrolling devices, revoking them, and what an enrolled device or a supervisor sees of the forms and submissions. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeviceInfo, MyDevice } from '../../shared/accounts.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { ApiError, Receipt, ServerSubmission, SubmissionPage } from '../../shared/submission.js';
import { secretHash } from '../../server/auth/secrets.js';
import {
  as,
  enrolledDevice,
  enrollment,
  HOUR,
  MINUTE,
  setCookie,
  signIn,
  supervisor,
  testClock,
  type TestClock,
} from './accounts-helpers.js';
import {
  fakePhoto,
  householdVisit,
  photoRef,
  startTestServer,
  validPayload,
  type TestServer,
} from './helpers.js';

const WATER = 'water-point-inspection';
const HOUSEHOLD = 'household-visit';

describe('enrolling a device', () => {
  let server: TestServer;
  let clock: TestClock;
  before(async () => {
    clock = testClock();
    server = await startTestServer({ clock: clock.now, publicUrl: 'https://fieldsync.example.org' });
  });
  after(() => server.close());

  const enroll = (code: string) =>
    as(server.app, {}, { method: 'POST', url: '/api/enroll', payload: { code } });

  it('gives a link on PUBLIC_URL with a one-time code, and lists the device as waiting', async () => {
    const made = await enrollment(server.app, [WATER], 'Kisumu team phone 3');
    assert.match(made.url, /^https:\/\/fieldsync\.example\.org\/enroll#code=[\w-]{43}$/);
    assert.equal(made.url.split('#code=')[1], made.code);
    assert.equal(made.expiresAt, new Date(clock.now().getTime() + 24 * HOUR).toISOString());
    const listed = (await server.app.inject({ method: 'GET', url: '/api/devices' })).json<DeviceInfo[]>();
    const waiting = listed.find((d) => d.id === made.deviceId);
    assert.deepEqual(
      { ...waiting, createdAt: undefined },
      {
        id: made.deviceId,
        name: 'Kisumu team phone 3',
        kiosk: false,
        formIds: [WATER],
        createdAt: undefined,
        enrollmentExpiresAt: made.expiresAt,
        enrolledAt: null,
        lastSeenAt: null,
        appVersion: null,
        revokedAt: null,
      },
    );
  });

  it('enrolls once per code, with a ten-year HttpOnly cookie, and stores only hashes', async () => {
    const { code, deviceId } = await enrollment(server.app, [WATER]);
    const res = await enroll(code);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<MyDevice>(), {
      id: deviceId,
      name: 'Field phone',
      kiosk: false,
      formIds: [WATER],
    });
    const { value, attributes } = setCookie(res, 'fs_device');
    assert.deepEqual(attributes, ['HttpOnly', 'Max-Age=315360000', 'Path=/', 'SameSite=Strict']);
    const stored = await server.repository.getDevice(deviceId);
    assert.equal(stored?.credentialHash, secretHash(value));
    assert.equal(stored?.enrollmentCodeHash, secretHash(code));
    assert.ok(
      !JSON.stringify(await server.repository.listDevices()).includes(value),
      'the credential is not stored',
    );
    assert.ok(
      !JSON.stringify(await server.repository.listDevices()).includes(code),
      'the code is not stored',
    );

    const again = await enroll(code);
    assert.equal(again.statusCode, 409);
    assert.match(again.json<ApiError>().message, /already used/);
  });

  // Once the clock has moved on by a day, the test's administrator signs in again.
  const signInAdmin = () => signIn(server.app, server.credentials!.admin.username);

  it("refuses a code after 24 hours, a revoked device's code, and one it never gave", async () => {
    const late = await enrollment(server.app);
    clock.advance(24 * HOUR);
    const expired = await enroll(late.code);
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json<ApiError>().error, 'expired');

    const admin = { session: await signInAdmin() };
    const { code, deviceId } = await enrollment(server.app, null, 'P', admin.session);
    assert.equal(
      (await as(server.app, admin, { method: 'DELETE', url: `/api/devices/${deviceId}` })).statusCode,
      200,
    );
    assert.equal((await enroll(code)).statusCode, 410);
    assert.equal((await enroll('x'.repeat(43))).statusCode, 404);
    assert.equal((await enroll('not a code')).statusCode, 404);
  });

  it('refuses a revoked device from its next request, keeping what it sent', async () => {
    const admin = { session: await signInAdmin() };
    const { id, credential } = await enrolledDevice(server.app, null, 'P', admin.session);
    const payload = householdVisit();
    const sent = await as(
      server.app,
      { device: credential },
      { method: 'PUT', url: `/api/submissions/${payload.id}`, payload },
    );
    assert.equal(sent.statusCode, 201, sent.body);
    const revoked = await as(server.app, admin, { method: 'DELETE', url: `/api/devices/${id}` });
    assert.notEqual(revoked.json<DeviceInfo>().revokedAt, null);
    const refused = await as(server.app, { device: credential }, { method: 'GET', url: '/api/reference' });
    assert.equal(refused.statusCode, 401);
    assert.match(refused.json<ApiError>().message, /nothing on it is lost/);
    const kept = await as(server.app, admin, { method: 'GET', url: `/api/submissions/${payload.id}` });
    assert.equal(kept.json<ServerSubmission>().sentBy?.deviceId, id);
  });

  it('records when a device was last seen, to the minute, and the app version it reports', async () => {
    const enrolled = await enrolledDevice(server.app, null, 'P', await signInAdmin());
    const device = { device: enrolled.credential };
    const seen = async () => (await server.repository.getDevice(enrolled.id))!;
    const first = clock.now().toISOString();
    await as(server.app, device, {
      method: 'GET',
      url: '/api/reference',
      headers: { 'x-fieldsync-version': '1.4.0' },
    });
    assert.deepEqual([(await seen()).lastSeenAt, (await seen()).appVersion], [first, '1.4.0']);
    clock.advance(30 * 1000);
    await as(server.app, device, { method: 'GET', url: '/api/reference' });
    assert.equal((await seen()).lastSeenAt, first, 'not written again within the minute');
    clock.advance(MINUTE);
    await as(server.app, device, { method: 'GET', url: '/api/reference' });
    assert.deepEqual(
      [(await seen()).lastSeenAt, (await seen()).appVersion],
      [clock.now().toISOString(), '1.4.0'],
    );
  });
});

describe('what a device or a supervisor sees', () => {
  let server: TestServer;
  let waterPhone: { id: string; credential: string };
  let householdPhone: { id: string; credential: string };
  before(async () => {
    server = await startTestServer();
    waterPhone = await enrolledDevice(server.app, [WATER], 'Water phone');
    householdPhone = await enrolledDevice(server.app, [HOUSEHOLD], 'Household phone');
  });
  after(() => server.close());

  const reference = (cookies: object, headers: Record<string, string> = {}) =>
    as(server.app, cookies, { method: 'GET', url: '/api/reference', headers });

  it('gives a device the reference data of its forms only, with an ETag of its own', async () => {
    const all = await reference({ device: server.credentials!.device.credential });
    const mine = await reference({ device: waterPhone.credential });
    const data = mine.json<ReferenceData>();
    assert.deepEqual([...new Set(data.forms.map((f) => f.id))], [WATER]);
    const used = new Set(data.forms.flatMap((f) => f.fields.flatMap((x) => x.choiceList ?? [])));
    assert.deepEqual(Object.keys(data.lists).sort(), [...used].sort());
    assert.equal(data.staleAfterHours, all.json<ReferenceData>().staleAfterHours);
    const etag = String(mine.headers.etag);
    assert.notEqual(etag, all.headers.etag);
    assert.ok(etag.startsWith(String(all.headers.etag).slice(0, -1)), 'it names the revision it comes from');
    assert.equal(mine.headers['cache-control'], 'private, no-cache');
    assert.equal(
      (await reference({ device: waterPhone.credential }, { 'if-none-match': etag })).statusCode,
      304,
    );
    assert.equal(
      (await reference({ device: householdPhone.credential }, { 'if-none-match': etag })).statusCode,
      200,
    );
    const zipped = await reference({ device: waterPhone.credential }, { 'accept-encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.etag, etag);
  });

  it('lets a device send only its forms, and records it as the sender', async () => {
    const other = householdVisit();
    const refused = await as(
      server.app,
      { device: waterPhone.credential },
      { method: 'PUT', url: `/api/submissions/${other.id}`, payload: other },
    );
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json<ApiError>().message, /may not send form "household-visit"/);
    const sent = await as(
      server.app,
      { device: householdPhone.credential },
      { method: 'PUT', url: `/api/submissions/${other.id}`, payload: other },
    );
    assert.equal(sent.statusCode, 201, sent.body);
    assert.deepEqual(
      Object.keys(sent.json<Receipt>()),
      ['id', 'receivedAt', 'seq'],
      'the receipt is as it was',
    );
    const mine = await as(
      server.app,
      { device: householdPhone.credential },
      { method: 'GET', url: `/api/submissions/${other.id}` },
    );
    assert.deepEqual(mine.json<ServerSubmission>().sentBy, {
      deviceId: householdPhone.id,
      deviceName: 'Household phone',
    });
    assert.equal(
      mine.json<ServerSubmission>().deviceId,
      other.deviceId,
      "the payload's deviceId stays as data",
    );
    const theirs = await as(
      server.app,
      { device: waterPhone.credential },
      { method: 'GET', url: `/api/submissions/${other.id}` },
    );
    assert.equal(theirs.statusCode, 404);
  });

  it('shows a supervisor the submissions and photos of their forms only', async () => {
    const bytes = fakePhoto();
    const device = { device: server.credentials!.device.credential };
    await as(server.app, device, {
      method: 'PUT',
      url: `/api/photos/${photoRef(bytes).sha256}`,
      headers: { 'content-type': 'image/jpeg' },
      payload: bytes,
    });
    const water = validPayload([photoRef(bytes)]);
    assert.equal(
      (await as(server.app, device, { method: 'PUT', url: `/api/submissions/${water.id}`, payload: water }))
        .statusCode,
      201,
    );
    const household = householdVisit();
    assert.equal(
      (
        await as(server.app, device, {
          method: 'PUT',
          url: `/api/submissions/${household.id}`,
          payload: household,
        })
      ).statusCode,
      201,
    );

    const reviewer = { session: (await supervisor(server.app, [HOUSEHOLD])).session };
    const page = (
      await as(server.app, reviewer, { method: 'GET', url: '/api/submissions?limit=200' })
    ).json<SubmissionPage>();
    assert.ok(page.items.length >= 2);
    assert.deepEqual([...new Set(page.items.map((s) => s.formId))], [HOUSEHOLD]);
    assert.equal(
      (await as(server.app, reviewer, { method: 'GET', url: `/api/submissions/${water.id}` })).statusCode,
      404,
    );
    assert.equal(
      (await as(server.app, reviewer, { method: 'GET', url: `/api/submissions/${household.id}` })).statusCode,
      200,
    );
    assert.equal(
      (await as(server.app, reviewer, { method: 'GET', url: `/api/photos/${photoRef(bytes).sha256}` }))
        .statusCode,
      404,
    );
    const waterReviewer = { session: (await supervisor(server.app, [WATER])).session };
    const photo = await as(server.app, waterReviewer, {
      method: 'GET',
      url: `/api/photos/${photoRef(bytes).sha256}`,
    });
    assert.equal(photo.statusCode, 200);
    assert.equal(photo.headers['cache-control'], 'private, max-age=31536000, immutable');
    const data = (await reference(waterReviewer)).json<ReferenceData>();
    assert.deepEqual([...new Set(data.forms.map((f) => f.id))], [WATER]);
  });
});
