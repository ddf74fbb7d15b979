import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ApiError, Receipt, ServerSubmission, SubmissionPayload } from '../../shared/submission.js';
import { fakePhoto, photoRef, putPhoto, startTestServer, validPayload, type TestServer } from './helpers.js';

/** A bundle as a browser's FormData sends it: the body's bytes and its Content-Type with the boundary. */
async function bundle(
  parts: (
    | { photo: Buffer; name?: string; field?: string }
    | { record: unknown; name?: string; field?: string; plain?: true }
  )[],
): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  for (const p of parts) {
    if ('photo' in p) {
      form.append(p.field ?? 'photo', new Blob([p.photo], { type: 'image/jpeg' }), p.name ?? sha256(p.photo));
    } else {
      const json = Buffer.from(typeof p.record === 'string' ? p.record : JSON.stringify(p.record));
      if (p.plain) form.append(p.field ?? 'submission', json.toString());
      else
        form.append(
          p.field ?? 'submission',
          new Blob([json], { type: 'application/json' }),
          p.name ?? sha256(json),
        );
    }
  }
  const request = new Request('http://fieldsync.invalid/', { method: 'PUT', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), type: request.headers.get('content-type') ?? '' };
}

describe('PUT /api/submissions/:id/bundle', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const send = async (id: string, b: { body: Buffer; type: string }) =>
    server.app.inject({
      method: 'PUT',
      url: `/api/submissions/${id}/bundle`,
      headers: { 'content-type': b.type },
      payload: b.body,
    });
  const get = (id: string) => server.app.inject({ method: 'GET', url: `/api/submissions/${id}` });
  const photoHeld = async (bytes: Buffer) => {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const res = await server.app.inject({ method: 'GET', url: `/api/photos/${sha}` });
    return res.statusCode === 200 && createHash('sha256').update(res.rawPayload).digest('hex') === sha;
  };

  it('stores the photos and the record in one request, and answers a resend with 200 and the same receipt', async () => {
    const photos = [fakePhoto(), fakePhoto()];
    const payload = validPayload(photos.map((p) => photoRef(p)));
    const b = await bundle([...photos.map((photo) => ({ photo })), { record: payload }]);
    const res = await send(payload.id, b);
    assert.equal(res.statusCode, 201, res.body);
    const receipt = res.json<Receipt>();
    assert.equal(receipt.id, payload.id);
    for (const p of photos) assert.ok(await photoHeld(p), 'the photo is held, its bytes whole');
    assert.deepEqual((await get(payload.id)).json<ServerSubmission>(), {
      ...payload,
      receipt,
      sentBy: server.sentBy,
    });
    const again = await send(payload.id, b);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), receipt);
  });

  it('takes the record before its photos, and a photo the server already has', async () => {
    const held = fakePhoto();
    await putPhoto(server.app, held);
    const fresh = fakePhoto();
    const payload = validPayload([photoRef(held), photoRef(fresh)]);
    const res = await send(
      payload.id,
      await bundle([{ record: payload }, { photo: held }, { photo: fresh }]),
    );
    assert.equal(res.statusCode, 201, res.body);
  });

  it('answers 409 missing_photos when a photo the record names is not in the bundle nor held', async () => {
    const [a, b] = [fakePhoto(), fakePhoto()];
    const payload = validPayload([photoRef(a), photoRef(b)]);
    const res = await send(payload.id, await bundle([{ photo: a }, { record: payload }]));
    assert.equal(res.statusCode, 409);
    const body = res.json<ApiError>();
    assert.equal(body.error, 'missing_photos');
    assert.deepEqual(body.missing, [photoRef(b).sha256]);
    assert.ok(await photoHeld(a), 'the photo that came is kept');
    assert.equal((await get(payload.id)).statusCode, 404);
  });

  it('refuses a photo whose bytes do not hash to its name, storing neither it nor the record', async () => {
    const photo = fakePhoto();
    const payload = validPayload([photoRef(photo)]);
    const damaged = Buffer.from(photo);
    damaged[100] = (damaged[100] ?? 0) ^ 0xff;
    const res = await send(
      payload.id,
      await bundle([{ photo: damaged, name: photoRef(photo).sha256 }, { record: payload }]),
    );
    assert.equal(res.statusCode, 422);
    assert.equal(res.json<ApiError>().error, 'hash_mismatch');
    assert.equal(await photoHeld(photo), false);
    assert.equal((await get(payload.id)).statusCode, 404);
  });

  it('answers 400 naming the problem for a bundle without a record, a record that is not JSON or not valid, or a stray part', async () => {
    const photo = fakePhoto();
    const payload: SubmissionPayload = validPayload([photoRef(photo)]);
    const cases: [Parameters<typeof bundle>[0], RegExp][] = [
      [[{ photo }], /no "submission" part/],
      [[{ record: '{"id": ' }], /not valid JSON/],
      [[{ record: { ...payload, formId: 42 } }], /formId/],
      [[{ record: { ...payload, id: crypto.randomUUID() } }], /not the id in the URL/],
      [[{ photo, field: 'picture' }, { record: payload }], /"photo"/],
      [[{ photo, name: 'photo.jpg' }, { record: payload }], /SHA-256/],
      [[{ record: payload }, { record: payload, field: 'notes' }], /not "notes"/],
      [[{ record: payload, plain: true }], /file named by the SHA-256/],
    ];
    for (const [parts, message] of cases) {
      const res = await send(payload.id, await bundle(parts));
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json<ApiError>();
      assert.equal(body.error, 'bad_request');
      assert.match(body.message, message);
    }
    assert.equal((await get(payload.id)).statusCode, 404);
  });

  it('refuses a record whose bytes do not hash to its name, storing nothing of it', async () => {
    const photo = fakePhoto();
    const payload = validPayload([photoRef(photo)]);
    const sent = { ...payload, answers: { ...payload.answers, people_served: 13 } };
    const name = createHash('sha256').update(JSON.stringify(payload)).digest('hex');
    const res = await send(payload.id, await bundle([{ photo }, { record: sent, name }]));
    assert.equal(res.statusCode, 422);
    const body = res.json<ApiError>();
    assert.equal(body.error, 'hash_mismatch');
    assert.match(body.message, /submission/);
    assert.equal((await get(payload.id)).statusCode, 404);
  });

  it('answers 415 to a body that is not multipart, and 400 to one cut short', async () => {
    const payload = validPayload([]);
    const json = await server.app.inject({
      method: 'PUT',
      url: `/api/submissions/${payload.id}/bundle`,
      payload,
    });
    assert.equal(json.statusCode, 415);
    assert.equal(json.json<ApiError>().error, 'unsupported_media_type');
    const photo = fakePhoto('image/jpeg', 20_000);
    const whole = await bundle([{ photo }, { record: validPayload([photoRef(photo)]) }]);
    const cut = await send(payload.id, { ...whole, body: whole.body.subarray(0, 10_000) });
    assert.ok(cut.statusCode >= 400 && cut.statusCode < 500, `${cut.statusCode} ${cut.body}`);
    assert.equal(typeof cut.json<ApiError>().message, 'string');
    assert.equal(await photoHeld(photo), false);
  });
});
