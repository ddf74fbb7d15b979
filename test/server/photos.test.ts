import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiError } from '../../shared/submission.js';
import { fakePhoto, putPhoto, sha256Hex, startTestServer, type TestServer } from './helpers.js';
import { probePhotoStore, type PhotoStoreProbe } from './photo-store-probe.js';

describe('photos', () => {
  let server: TestServer;
  let store: PhotoStoreProbe;
  before(async () => {
    server = await startTestServer({ photoMaxBytes: 64 * 1024 });
    store = probePhotoStore(server);
  });
  after(() => server.close());

  const held = async (hash: string): Promise<boolean> => (await store.read(hash)) !== null;

  it('stores a new photo byte for byte under its hash and answers 201', async () => {
    const bytes = fakePhoto('image/jpeg', 20_000);
    const hash = sha256Hex(bytes);
    const res = await putPhoto(server.app, bytes);
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json(), { sha256: hash, bytes: bytes.length, type: 'image/jpeg' });
    assert.deepEqual(await store.read(hash), bytes);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('accepts PNG and WebP, and application/octet-stream as the content type', async () => {
    for (const type of ['image/png', 'image/webp'] as const) {
      const bytes = fakePhoto(type);
      const res = await putPhoto(server.app, bytes, 'application/octet-stream');
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json<{ type: string }>().type, type);
    }
  });

  it('answers 200 to the same photo again and leaves the stored bytes untouched', async () => {
    const bytes = fakePhoto();
    const hash = sha256Hex(bytes);
    assert.equal((await putPhoto(server.app, bytes)).statusCode, 201);
    const before = await store.version(hash);
    // A second write would show in the version only once the store's clock has moved on.
    await new Promise((r) => setTimeout(r, store.clockResolutionMs));
    const res = await putPhoto(server.app, bytes);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { sha256: hash, bytes: bytes.length, type: 'image/jpeg' });
    assert.equal(await store.version(hash), before);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('stores the bytes again, answering 201, when the photo is recorded but its bytes were lost', async () => {
    const bytes = fakePhoto();
    const hash = sha256Hex(bytes);
    assert.equal((await putPhoto(server.app, bytes)).statusCode, 201);
    await store.lose(hash);
    assert.equal((await server.app.inject({ method: 'GET', url: `/api/photos/${hash}` })).statusCode, 404);
    assert.equal((await putPhoto(server.app, bytes)).statusCode, 201);
    assert.deepEqual(await store.read(hash), bytes);
    assert.equal((await server.app.inject({ method: 'GET', url: `/api/photos/${hash}` })).statusCode, 200);
  });

  it('records, answering 201, a photo whose bytes are in place but unrecorded, as a crash between the two leaves it', async () => {
    const bytes = fakePhoto();
    const hash = sha256Hex(bytes);
    await store.plant(hash, bytes);
    assert.equal((await server.app.inject({ method: 'GET', url: `/api/photos/${hash}` })).statusCode, 404);
    const res = await putPhoto(server.app, bytes);
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json(), { sha256: hash, bytes: bytes.length, type: 'image/jpeg' });
    assert.deepEqual(await store.read(hash), bytes);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('refuses a photo over the size limit with 413 and keeps nothing', async () => {
    const bytes = fakePhoto('image/jpeg', 64 * 1024 + 1);
    const hash = sha256Hex(bytes);
    const res = await putPhoto(server.app, bytes);
    assert.equal(res.statusCode, 413);
    assert.equal(res.json<ApiError>().error, 'payload_too_large');
    assert.match(res.json<ApiError>().message, /larger than the server accepts/);
    assert.equal(await held(hash), false);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('refuses an oversized upload that does not announce its length, and leaves nothing behind', async () => {
    const bytes = fakePhoto('image/jpeg', 200 * 1024);
    const hash = sha256Hex(bytes);
    const { Readable } = await import('node:stream');
    const chunks = Array.from({ length: 50 }, (_, i) => bytes.subarray(i * 4096, (i + 1) * 4096));
    const res = await server.app.inject({
      method: 'PUT',
      url: `/api/photos/${hash}`,
      headers: { 'content-type': 'image/jpeg' },
      payload: Readable.from(chunks),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(await held(hash), false);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('refuses a PDF and a GIF with 415 even when they claim to be JPEG', async () => {
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
      fakePhoto('image/jpeg', 500),
    ]);
    const gif = Buffer.concat([Buffer.from('GIF89a'), fakePhoto('image/jpeg', 500)]);
    for (const bytes of [pdf, gif]) {
      const res = await putPhoto(server.app, bytes, 'image/jpeg');
      assert.equal(res.statusCode, 415);
      const body = res.json<ApiError>();
      assert.equal(body.error, 'unsupported_media_type');
      assert.match(body.message, /not a JPEG, PNG or WebP/);
      assert.equal(await held(sha256Hex(bytes)), false);
    }
    assert.deepEqual(await store.leftovers(), []);
  });

  it('answers hash_mismatch, not 415, to a photo whose first bytes were damaged on the way', async () => {
    const bytes = fakePhoto('image/jpeg', 4096);
    const damaged = Buffer.from(bytes);
    damaged[1] = 0x00;
    const res = await putPhoto(server.app, damaged, 'image/jpeg', sha256Hex(bytes));
    assert.equal(res.statusCode, 422);
    assert.equal(res.json<ApiError>().error, 'hash_mismatch');
    assert.equal(await held(sha256Hex(bytes)), false);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('refuses a content type other than a photo type with 415', async () => {
    const bytes = fakePhoto();
    for (const type of ['image/gif', 'application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await putPhoto(server.app, bytes, type);
      assert.equal(res.statusCode, 415, type);
      assert.equal(res.json<ApiError>().error, 'unsupported_media_type');
    }
  });

  it('refuses bytes whose hash is not the one in the URL with 422 hash_mismatch', async () => {
    const bytes = fakePhoto();
    const wrong = sha256Hex(Buffer.from('something else'));
    const res = await putPhoto(server.app, bytes, 'image/jpeg', wrong);
    assert.equal(res.statusCode, 422);
    const body = res.json<ApiError>();
    assert.equal(body.error, 'hash_mismatch');
    assert.ok(body.message.includes(sha256Hex(bytes)));
    assert.equal(await held(wrong), false);
    assert.equal(await held(sha256Hex(bytes)), false);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('refuses other bytes sent under the hash of a photo it already holds', async () => {
    const bytes = fakePhoto();
    assert.equal((await putPhoto(server.app, bytes)).statusCode, 201);
    const res = await putPhoto(server.app, fakePhoto(), 'image/jpeg', sha256Hex(bytes));
    assert.equal(res.statusCode, 422);
    assert.equal(res.json<ApiError>().error, 'hash_mismatch');
    assert.deepEqual(await store.read(sha256Hex(bytes)), bytes);
  });

  it('refuses an empty upload, or none at all, with 400', async () => {
    const hash = sha256Hex(Buffer.alloc(0));
    const empty = await putPhoto(server.app, Buffer.alloc(0), 'image/jpeg', hash);
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json<ApiError>().error, 'bad_request');
    const none = await server.app.inject({ method: 'PUT', url: `/api/photos/${hash}` });
    assert.equal(none.statusCode, 400);
    assert.match(none.json<ApiError>().message, /empty/);
  });

  it('refuses hashes that are not 64 lower-case hex characters, path tricks included', async () => {
    const bytes = fakePhoto();
    const hash = sha256Hex(bytes);
    for (const bad of [
      hash.toUpperCase(),
      hash.slice(1),
      `${hash}0`,
      '..%2F..%2Ffieldsync.db',
      `${hash.slice(0, 2)}%2F${hash.slice(2)}`,
      '%2e%2e',
      `${hash}%00`,
    ]) {
      const res = await putPhoto(server.app, bytes, 'image/jpeg', bad);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${bad} → ${res.statusCode}`);
      assert.equal(typeof res.json<ApiError>().error, 'string');
      const get = await server.app.inject({ method: 'GET', url: `/api/photos/${bad}` });
      assert.ok(get.statusCode >= 400 && get.statusCode < 500, `GET ${bad} → ${get.statusCode}`);
    }
  });

  it('serves a stored photo with its type and immutable caching', async () => {
    const bytes = fakePhoto('image/png', 5000);
    const hash = sha256Hex(bytes);
    await putPhoto(server.app, bytes, 'image/png');
    const res = await server.app.inject({ method: 'GET', url: `/api/photos/${hash}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['cache-control'], 'private, max-age=31536000, immutable');
    assert.equal(res.headers['content-length'], String(bytes.length));
    assert.ok(res.rawPayload.equals(bytes));

    const head = await server.app.inject({ method: 'HEAD', url: `/api/photos/${hash}` });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-type'], 'image/png');
    assert.equal(head.headers['content-length'], String(bytes.length));
    assert.equal(head.headers['cache-control'], 'private, max-age=31536000, immutable');
    assert.equal(head.rawPayload.length, 0);

    const again = await server.app.inject({
      method: 'GET',
      url: `/api/photos/${hash}`,
      headers: { 'if-none-match': `"${hash}"` },
    });
    assert.equal(again.statusCode, 304);
  });

  it('serves a byte range with 206, and the whole photo when the range cannot be honoured', async () => {
    const bytes = fakePhoto('image/jpeg', 10_000);
    const hash = sha256Hex(bytes);
    await putPhoto(server.app, bytes);
    const get = (headers: Record<string, string>) =>
      server.app.inject({ method: 'GET', url: `/api/photos/${hash}`, headers });
    for (const [range, start, end] of [
      ['bytes=0-0', 0, 0],
      ['bytes=100-199', 100, 199],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-16', 9984, 9999],
      ['bytes=9000-20000', 9000, 9999],
    ] as const) {
      const res = await get({ range });
      assert.equal(res.statusCode, 206, range);
      assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${bytes.length}`, range);
      assert.equal(res.headers['content-length'], String(end - start + 1), range);
      assert.deepEqual(res.rawPayload, bytes.subarray(start, end + 1), range);
    }
    const whole = await get({});
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    // Several ranges, another unit, a stale If-Range, a header that does not parse: the whole photo.
    for (const headers of <Record<string, string>[]>[
      { range: 'bytes=0-1,5-6' },
      { range: 'items=0-1' },
      { range: 'bytes=0-1', 'if-range': '"an-older-etag"' },
      { range: 'bytes=5-1' },
    ]) {
      const res = await get(headers);
      assert.equal(res.statusCode, 200, JSON.stringify(headers));
      assert.deepEqual(res.rawPayload, bytes);
    }
    assert.equal((await get({ range: 'bytes=0-1', 'if-range': `"${hash}"` })).statusCode, 206);

    const past = await get({ range: 'bytes=10000-' });
    assert.equal(past.statusCode, 416);
    assert.equal(past.headers['content-range'], `bytes */${bytes.length}`);
    assert.equal(past.json<ApiError>().error, 'range_not_satisfiable');
  });

  it('answers 404 JSON for a photo it does not hold', async () => {
    const hash = sha256Hex(Buffer.from('never uploaded'));
    const res = await server.app.inject({ method: 'GET', url: `/api/photos/${hash}` });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json<ApiError>().error, 'not_found');
    assert.equal(res.headers['cache-control'], 'no-store');
    const head = await server.app.inject({ method: 'HEAD', url: `/api/photos/${hash}` });
    assert.equal(head.statusCode, 404);
  });
});
