/**
 * Who may call what: every endpoint with no credential, a credential of
 * the wrong role, one that no longer counts (a revoked device, an ended
 * session), and the right one. The rules are docs/accounts.md's.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Fastify, { type InjectOptions } from 'fastify';
import { guardApi } from '../../server/auth/guard.js';
import type { ApiError } from '../../shared/submission.js';
import { as, enrolledDevice, supervisor } from './accounts-helpers.js';
import {
  fakePhoto,
  photoRef,
  putPhoto,
  putSubmission,
  sha256Hex,
  startTestServer,
  storedPhotosPayload,
  validPayload,
  type TestServer,
} from './helpers.js';

type Cookies = { device?: string | null; session?: string | null };

interface Case {
  /** "METHOD /api/path" as the test names it. */
  name: string;
  /** A fresh request each time: a PUT of a new photo, a new user. */
  request: () => InjectOptions | Promise<InjectOptions>;
  right: () => Cookies;
  status: number;
  /** A credential of another role, and what it gets: 403, or 404 where existence must not show. */
  wrong?: { cookies: () => Cookies; status: number };
  /** A credential that no longer counts. */
  stale: () => Cookies;
  /** The right credential gets a stream that does not end (text/event-stream). */
  endless?: true;
}

/** An answer read whole, or for an endless stream, only its status (the stream is dropped). */
async function settled(
  response: Awaited<ReturnType<typeof as>>,
  endless: boolean,
): Promise<{ statusCode: number; body: string; json<T>(): T }> {
  if (!endless) return response;
  const stream = response.stream();
  if (response.statusCode === 200) {
    stream.destroy();
    return { statusCode: 200, body: '(a stream)', json: () => assert.fail('a stream is not JSON') };
  }
  let body = '';
  for await (const chunk of stream) body += String(chunk);
  return { statusCode: response.statusCode, body, json: <T>() => JSON.parse(body) as T };
}

describe('who may call each endpoint', () => {
  let server: TestServer;
  let device: { id: string; credential: string };
  let otherDevice: { id: string; credential: string };
  let revoked: string;
  let admin: string;
  let reviewer: string;
  let ended: string;
  let sentId: string;
  let photo: string;

  before(async () => {
    server = await startTestServer();
    const { app } = server;
    device = server.credentials!.device;
    admin = server.credentials!.admin.session;
    otherDevice = await enrolledDevice(app);
    const gone = await enrolledDevice(app);
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/devices/${gone.id}` })).statusCode, 200);
    revoked = gone.credential;
    reviewer = (await supervisor(app, ['water-point-inspection'])).session;
    ended = (await supervisor(app, null)).session;
    assert.equal(
      (await as(app, { session: ended }, { method: 'DELETE', url: '/api/session' })).statusCode,
      204,
    );
    const payload = await storedPhotosPayload(app);
    photo = payload.photos[0]!.sha256;
    assert.equal(
      (
        await as(
          app,
          { device: device.credential },
          { method: 'PUT', url: `/api/submissions/${payload.id}`, payload },
        )
      ).statusCode,
      201,
    );
    sentId = payload.id;
  });
  after(() => server.close());

  const asDevice = (): Cookies => ({ device: device.credential });
  const asAdmin = (): Cookies => ({ session: admin });
  const asReviewer = (): Cookies => ({ session: reviewer });
  const revokedDevice = (): Cookies => ({ device: revoked });
  const endedSession = (): Cookies => ({ session: ended });
  const newPhoto = (): InjectOptions => {
    const bytes = fakePhoto();
    return {
      method: 'PUT',
      url: `/api/photos/${sha256Hex(bytes)}`,
      headers: { 'content-type': 'image/jpeg' },
      payload: bytes,
    };
  };
  const newSubmission = async (): Promise<InjectOptions> => {
    const bytes = fakePhoto();
    assert.equal((await putPhoto(server.app, bytes)).statusCode, 201);
    const payload = validPayload([photoRef(bytes)]);
    return { method: 'PUT', url: `/api/submissions/${payload.id}`, payload };
  };
  /** A new submission and its photo as one multipart body. */
  const newBundle = async (): Promise<InjectOptions> => {
    const bytes = fakePhoto();
    const payload = validPayload([photoRef(bytes)]);
    const form = new FormData();
    form.append('photo', new Blob([bytes], { type: 'image/jpeg' }), sha256Hex(bytes));
    const record = Buffer.from(JSON.stringify(payload));
    form.append('submission', new Blob([record], { type: 'application/json' }), sha256Hex(record));
    const request = new Request('http://fieldsync.invalid/', { method: 'PUT', body: form });
    return {
      method: 'PUT',
      url: `/api/submissions/${payload.id}/bundle`,
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      payload: Buffer.from(await request.arrayBuffer()),
    };
  };
  const newUser = (): InjectOptions => ({
    method: 'POST',
    url: '/api/users',
    payload: {
      username: `u-${randomUUID().slice(0, 8)}`,
      password: 'a long enough password',
      role: 'supervisor',
      formIds: null,
    },
  });
  const admins = { cookies: asReviewer, status: 403 };

  const cases: Case[] = [
    {
      name: 'GET /api/reference',
      request: () => ({ method: 'GET', url: '/api/reference' }),
      right: asDevice,
      status: 200,
      stale: revokedDevice,
    },
    {
      name: 'PUT /api/photos/{sha256}',
      request: newPhoto,
      right: asDevice,
      status: 201,
      wrong: { cookies: asAdmin, status: 403 },
      stale: revokedDevice,
    },
    {
      name: 'PUT /api/submissions/{id}',
      request: newSubmission,
      right: asDevice,
      status: 201,
      wrong: { cookies: asAdmin, status: 403 },
      stale: revokedDevice,
    },
    {
      name: 'PUT /api/submissions/{id}/bundle',
      request: newBundle,
      right: asDevice,
      status: 201,
      wrong: { cookies: asAdmin, status: 403 },
      stale: revokedDevice,
    },
    {
      name: 'GET /api/submissions/{id}',
      request: () => ({ method: 'GET', url: `/api/submissions/${sentId}` }),
      right: asDevice,
      status: 200,
      // Another device: as if it were not there, so that which ids exist does not show.
      wrong: { cookies: () => ({ device: otherDevice.credential }), status: 404 },
      stale: revokedDevice,
    },
    {
      name: 'GET /api/submissions',
      request: () => ({ method: 'GET', url: '/api/submissions' }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'POST /api/submissions/{id}/reviews',
      request: () => ({
        method: 'POST',
        url: `/api/submissions/${sentId}/reviews`,
        payload: { comment: 'Checked the meter reading with the team.' },
      }),
      right: asReviewer,
      status: 201,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'GET /api/feedback',
      request: () => ({ method: 'GET', url: '/api/feedback?after=0' }),
      right: asDevice,
      status: 200,
      wrong: { cookies: asReviewer, status: 403 },
      stale: revokedDevice,
    },
    {
      name: 'GET /api/review/submissions',
      request: () => ({ method: 'GET', url: '/api/review/submissions?state=received' }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    ...['csv', 'geojson', 'zip'].map((kind): Case => ({
      name: `GET /api/review/export.${kind}`,
      request: () => ({ method: 'GET', url: `/api/review/export.${kind}?form=water-point-inspection` }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    })),
    {
      name: 'GET /api/review/live',
      request: () => ({ method: 'GET', url: '/api/review/live?state=received', payloadAsStream: true }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
      endless: true,
    },
    {
      name: 'GET /api/review/devices',
      request: () => ({ method: 'GET', url: '/api/review/devices' }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'GET /api/review/points',
      request: () => ({ method: 'GET', url: '/api/review/points' }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'GET /api/review/count',
      request: () => ({ method: 'GET', url: '/api/review/count?state=received' }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'POST /api/review/bulk',
      request: () => ({
        method: 'POST',
        url: '/api/review/bulk',
        payload: { ids: [sentId], expectedCount: 1, state: 'approved' },
      }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'GET /api/review/outboxes',
      request: () => ({ method: 'GET', url: '/api/review/outboxes' }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'PUT /api/outbox',
      request: () => ({
        method: 'PUT',
        url: '/api/outbox',
        payload: { reportedAt: new Date().toISOString(), waiting: 0, oldestCapturedAt: null, items: [] },
      }),
      right: asDevice,
      status: 204,
      wrong: { cookies: asReviewer, status: 403 },
      stale: revokedDevice,
    },
    {
      name: 'GET /api/submissions/{id}/reviews',
      request: () => ({ method: 'GET', url: `/api/submissions/${sentId}/reviews` }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'GET /api/photos/{sha256}',
      request: () => ({ method: 'GET', url: `/api/photos/${photo}` }),
      right: asReviewer,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'HEAD /api/photos/{sha256}',
      request: () => ({ method: 'HEAD', url: `/api/photos/${photo}` }),
      right: asAdmin,
      status: 200,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
    {
      name: 'POST /api/enrollments',
      request: () => ({
        method: 'POST',
        url: '/api/enrollments',
        payload: { name: 'Phone', formIds: null, kiosk: false },
      }),
      right: asAdmin,
      status: 201,
      wrong: admins,
      stale: endedSession,
    },
    {
      name: 'GET /api/devices',
      request: () => ({ method: 'GET', url: '/api/devices' }),
      right: asAdmin,
      status: 200,
      wrong: admins,
      stale: endedSession,
    },
    {
      name: 'DELETE /api/devices/{id}',
      request: async () => ({
        method: 'DELETE',
        url: `/api/devices/${(await enrolledDevice(server.app)).id}`,
      }),
      right: asAdmin,
      status: 200,
      wrong: admins,
      stale: endedSession,
    },
    {
      name: 'GET /api/users',
      request: () => ({ method: 'GET', url: '/api/users' }),
      right: asAdmin,
      status: 200,
      wrong: admins,
      stale: endedSession,
    },
    {
      name: 'POST /api/users',
      request: newUser,
      right: asAdmin,
      status: 201,
      wrong: admins,
      stale: endedSession,
    },
    {
      name: 'PATCH /api/users/{id}',
      request: async () => {
        const created = await server.app.inject(newUser());
        return {
          method: 'PATCH',
          url: `/api/users/${created.json<{ id: string }>().id}`,
          payload: { formIds: ['household-visit'] },
        };
      },
      right: asAdmin,
      status: 200,
      wrong: admins,
      stale: endedSession,
    },
    {
      name: 'DELETE /api/sessions',
      request: () => ({ method: 'DELETE', url: '/api/sessions' }),
      // A session of its own: this one ends them all.
      right: () => ({ session: reviewerToEnd }),
      status: 204,
      wrong: { cookies: asDevice, status: 403 },
      stale: endedSession,
    },
  ];
  let reviewerToEnd = '';

  for (const c of cases) {
    it(`${c.name}: 401 without a credential, ${c.wrong ? `${c.wrong.status} for the wrong one, ` : ''}401 for a stale one, ${c.status} for the right one`, async () => {
      const send = async (cookies: Cookies) =>
        settled(await as(server.app, cookies, await c.request()), c.endless === true);
      const none = await send({});
      assert.equal(none.statusCode, 401, none.body);
      if (c.name.startsWith('HEAD')) assert.equal(none.body, '');
      else assert.equal(none.json<ApiError>().error, 'unauthorized');
      if (c.wrong) {
        const wrong = await send(c.wrong.cookies());
        assert.equal(wrong.statusCode, c.wrong.status, wrong.body);
      }
      const stale = await send(c.stale());
      assert.equal(stale.statusCode, 401, stale.body);
      if (c.name === 'DELETE /api/sessions') reviewerToEnd = (await supervisor(server.app, null)).session;
      const right = await send(c.right());
      assert.equal(right.statusCode, c.status, right.body);
    });
  }

  it('lets anyone ask for the health, who they are, and sign out', async () => {
    for (const url of ['/api/health', '/api/me']) {
      const res = await as(server.app, {}, { method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
    }
    const me = await as(server.app, { device: revoked, session: ended }, { method: 'GET', url: '/api/me' });
    assert.deepEqual(me.json(), { device: null, user: null, setupNeeded: false });
    assert.equal((await as(server.app, {}, { method: 'DELETE', url: '/api/session' })).statusCode, 204);
  });

  it('answers refusals as ApiErrors with the security headers and no-store', async () => {
    const res = await as(server.app, { device: device.credential }, { method: 'GET', url: '/api/users' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json<ApiError>().error, 'forbidden');
    assert.match(res.json<ApiError>().message, /administrator/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
  });

  it('keeps the answers to bad input, with a valid credential, as they were', async () => {
    const bad = await putSubmission(server.app, { ...validPayload([]), formVersion: '1' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<ApiError>().field, 'formVersion');
  });
});

describe('the guard', () => {
  it('refuses to start a server with an API route that does not say who may call it', async () => {
    const fastify = Fastify();
    try {
      await assert.rejects(async () => {
        await fastify.register(async (api) => {
          guardApi(api, { repo: null as never, clock: () => new Date(), publicOrigin: null });
          api.get('/forgotten', async () => ({ ok: true }));
        });
        await fastify.ready();
      }, /GET \/forgotten does not say who may call it/);
    } finally {
      await fastify.close();
    }
  });
});
