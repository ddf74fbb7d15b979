import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { ApiError } from '../../shared/submission.js';
import { putSubmission, startTestServer, storedPhotosPayload, type TestServer } from './helpers.js';

/** Every refusal is a 4xx whose body is an ApiError with a message. */
function assertApiError(res: LightMyRequestResponse, status: number, error: ApiError['error']): ApiError {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<ApiError>();
  assert.equal(body.error, error);
  assert.deepEqual(
    Object.keys(body).filter((k) => !['error', 'message', 'field', 'problems', 'missing'].includes(k)),
    [],
  );
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 10, body.message);
  return body;
}

describe('malformed requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const put = (url: string, payload: string | Buffer, contentType = 'application/json') =>
    server.app.inject({ method: 'PUT', url, headers: { 'content-type': contentType }, payload });

  it('answers 400 to a body that is not JSON', async () => {
    const id = randomUUID();
    for (const text of ['{', '{"id": }', 'null x', '\u0000']) {
      const body = assertApiError(await put(`/api/submissions/${id}`, text), 400, 'bad_request');
      assert.match(body.message, /not valid JSON/);
    }
  });

  it('answers 400 to an empty body', async () => {
    assertApiError(await put(`/api/submissions/${randomUUID()}`, ''), 400, 'bad_request');
    const none = await server.app.inject({ method: 'PUT', url: `/api/submissions/${randomUUID()}` });
    assertApiError(none, 400, 'bad_request');
  });

  it('answers 400 naming the property when a property has the wrong type', async () => {
    const payload = await storedPhotosPayload(server.app);
    const cases: [string, unknown][] = [
      ['formVersion', { ...payload, formVersion: '1' }],
      ['formVersion', { ...payload, formVersion: 1.5 }],
      ['answers', { ...payload, answers: [] }],
      ['answers.site', { ...payload, answers: { ...payload.answers, site: { value: 'x' } } }],
      ['answers.site', { ...payload, answers: { ...payload.answers, site: true } }],
      ['location', { ...payload, location: 'here' }],
      ['photos', { ...payload, photos: {} }],
      ['photos[0].sha256', { ...payload, photos: [{ ...payload.photos[0], sha256: 'abc' }] }],
      ['photos[0].bytes', { ...payload, photos: [{ ...payload.photos[0], bytes: '12' }] }],
      ['photos[0].type', { ...payload, photos: [{ ...payload.photos[0], type: 'image/gif' }] }],
      ['deviceId', { ...payload, deviceId: 42 }],
      ['createdAt', { ...payload, createdAt: 'yesterday' }],
    ];
    for (const [field, body] of cases) {
      const err = assertApiError(await putSubmission(server.app, body, payload.id), 400, 'bad_request');
      assert.equal(err.field, field, `${field}: ${err.message}`);
      assert.ok(err.message.includes(field), err.message);
    }
  });

  it('answers 400 naming a missing or an unexpected property', async () => {
    const payload = await storedPhotosPayload(server.app);
    const missing: Partial<typeof payload> = { ...payload };
    delete missing.deviceId;
    const err = assertApiError(await putSubmission(server.app, missing, payload.id), 400, 'bad_request');
    assert.equal(err.field, 'deviceId');
    assert.match(err.message, /missing/);

    const extra = assertApiError(
      await putSubmission(server.app, { ...payload, admin: true }),
      400,
      'bad_request',
    );
    assert.equal(extra.field, 'admin');
    assert.match(extra.message, /not expected/);
  });

  it('answers 400 when the id in the URL is not a UUID', async () => {
    const payload = await storedPhotosPayload(server.app);
    for (const id of ['123', 'not-a-uuid', payload.id.toUpperCase(), `${payload.id}x`]) {
      const err = assertApiError(await putSubmission(server.app, { ...payload, id }, id), 400, 'bad_request');
      assert.equal(err.field, 'id');
      assert.match(err.message, /UUID/);
    }
  });

  it('answers 400 when the body id is not the URL id', async () => {
    const payload = await storedPhotosPayload(server.app);
    const other = randomUUID();
    const err = assertApiError(await putSubmission(server.app, payload, other), 400, 'bad_request');
    assert.equal(err.field, 'id');
    assert.ok(err.message.includes(other) && err.message.includes(payload.id));
    const get = await server.app.inject({ method: 'GET', url: `/api/submissions/${other}` });
    assert.equal(get.statusCode, 404);
  });

  it('answers 4xx, never 5xx, to path tricks in ids', async () => {
    const payload = await storedPhotosPayload(server.app);
    const tricks = [
      '..%2F..%2Ffieldsync.db',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      `${payload.id}%2F..`,
      `${payload.id}%00`,
      '%E0%A4%A',
      `${payload.id}/../../photos`,
      '%252e%252e%252f',
    ];
    for (const t of tricks) {
      for (const method of ['GET', 'PUT'] as const) {
        const res = await server.app.inject({
          method,
          url: `/api/submissions/${t}`,
          payload: method === 'PUT' ? payload : undefined,
        });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${method} ${t} → ${res.statusCode}`);
        assert.ok(['bad_request', 'not_found'].includes(res.json<ApiError>().error), res.body);
      }
    }
  });

  it('answers 415 to a submission that is not JSON', async () => {
    const payload = await storedPhotosPayload(server.app);
    const res = await put(`/api/submissions/${payload.id}`, JSON.stringify(payload), 'text/plain');
    assertApiError(res, 415, 'unsupported_media_type');
    const form = await put(`/api/submissions/${payload.id}`, 'a=b', 'application/x-www-form-urlencoded');
    assertApiError(form, 415, 'unsupported_media_type');
  });

  it('answers 413 to a submission body over 1 MB', async () => {
    const payload = await storedPhotosPayload(server.app);
    const huge = JSON.stringify({
      ...payload,
      answers: { ...payload.answers, notes: 'x'.repeat(1_100_000) },
    });
    assertApiError(await put(`/api/submissions/${payload.id}`, huge), 413, 'payload_too_large');
  });

  it('answers 404 JSON to unknown API paths and to methods no route takes', async () => {
    assertApiError(await server.app.inject({ method: 'GET', url: '/api/nothing' }), 404, 'not_found');
    assertApiError(await server.app.inject({ method: 'GET', url: '/api' }), 404, 'not_found');
    assertApiError(await server.app.inject({ method: 'POST', url: '/api/submissions' }), 404, 'not_found');
    const id = randomUUID();
    for (const method of ['DELETE', 'PATCH', 'POST', 'OPTIONS', 'PROPFIND'] as const) {
      const res = await server.app.inject({ method, url: `/api/submissions/${id}` });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${method} → ${res.statusCode}`);
    }
  });

  it('answers 400 to a bad list cursor or limit', async () => {
    for (const q of ['cursor=garbage', 'cursor=%FF', 'limit=0', 'limit=-1', 'limit=abc', 'limit=99999']) {
      assertApiError(
        await server.app.inject({ method: 'GET', url: `/api/submissions?${q}` }),
        400,
        'bad_request',
      );
    }
  });

  it('never answers 5xx to any mix of method, path, content type and body', async () => {
    const id = randomUUID();
    const hash = 'ab'.repeat(32);
    const paths = [
      `/api/submissions/${id}`,
      `/api/photos/${hash}`,
      '/api/submissions',
      '/api/reference',
      '/api/health',
      '/api/%ff',
      `/api/photos/${hash}/extra`,
      '/api/submissions?limit=5&limit=6',
      '/api/submissions?cursor[]=x',
    ];
    const bodies: [string, string | Buffer][] = [
      ['application/json', '[]'],
      ['application/json', '"text"'],
      ['application/json', '{"__proto__": {"admin": true}}'],
      ['application/json', '{"constructor": {"prototype": {}}}'],
      ['application/json', JSON.stringify({ id, answers: { a: { b: { c: [1, [2, [3]]] } } } })],
      ['image/jpeg', Buffer.from([0xff, 0xd8])],
      ['application/octet-stream', Buffer.alloc(100)],
      ['text/plain', 'hello'],
      ['application/json; charset=latin1', '{}'],
    ];
    for (const url of paths) {
      for (const method of ['GET', 'PUT', 'POST', 'DELETE'] as const) {
        for (const [type, payload] of bodies) {
          const res = await server.app.inject({
            method,
            url,
            headers: { 'content-type': type },
            payload: method === 'GET' ? undefined : payload,
          });
          assert.ok(res.statusCode < 500, `${method} ${url} ${type} → ${res.statusCode} ${res.body}`);
        }
      }
    }
  });

  it('keeps answering after all of the above', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/health' });
    assert.equal(res.statusCode, 200);
  });
});
