/**
 * The photo store contract, on the kind of store this pass runs on: the
 * folder (SQLite pass) or the bucket (shared-stores pass). Whatever the
 * kind, bytes are readable under their hash only whole, and nothing of an
 * upload that is not committed stays behind.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { UploadInterrupted, type PhotoStore, type ReceivedPhoto } from '../../server/storage/photo-store.js';
import { openPhotoStore, type S3Location } from '../../server/storage/stores.js';
import { fakePhoto, freshBucketPrefix, postgresSuite, sha256Hex, TEST_BACKEND, tempDir } from './helpers.js';
import { probePhotoStore, type PhotoStoreProbe } from './photo-store-probe.js';

const MAX = 64 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function received(outcome: ReceivedPhoto): Extract<ReceivedPhoto, { kind: 'received' }> {
  assert.equal(outcome.kind, 'received');
  return outcome as Extract<ReceivedPhoto, { kind: 'received' }>;
}

interface OpenedStore {
  photos: PhotoStore;
  probe: PhotoStoreProbe;
  close(): Promise<void>;
}

async function openStore(location: S3Location | null): Promise<OpenedStore> {
  const dataDir = tempDir('photo-store');
  const photos = await openPhotoStore({ dataDir, photoStore: location, photoMaxBytes: MAX });
  return {
    photos,
    probe: probePhotoStore({ photos, photoStore: location }),
    async close() {
      await photos.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe(`photo store contract (${TEST_BACKEND === 'sqlite' ? 'folder' : 'bucket'})`, () => {
  let opened: OpenedStore;
  let photos: PhotoStore;
  let store: PhotoStoreProbe;
  before(async () => {
    opened = await openStore(TEST_BACKEND === 'sqlite' ? null : freshBucketPrefix());
    ({ photos, probe: store } = opened);
  });
  after(() => opened.close());

  it('keeps committed bytes whole under their hash, and reads them back whole or by range', async () => {
    const bytes = fakePhoto('image/jpeg', 20_000);
    const hash = sha256Hex(bytes);
    assert.equal(await photos.exists(hash), false);
    const got = received(await photos.receive(Readable.from([bytes]), hash));
    assert.deepEqual([got.sha256, got.bytes, got.type], [hash, bytes.length, 'image/jpeg']);
    assert.equal(got.pending.alreadyStored, false);
    // Held aside until commit: not readable under its hash yet.
    assert.equal(await photos.exists(hash), false);
    await got.pending.commit();
    assert.equal(await photos.exists(hash), true);
    assert.deepEqual(await readAll((await photos.open(hash))!), bytes);
    for (const [start, end] of [
      [0, 0],
      [0, 11],
      [1000, 1999],
      [bytes.length - 1, bytes.length - 1],
      [5, bytes.length - 1],
    ] as const) {
      const part = await readAll((await photos.open(hash, { start, end }))!);
      assert.deepEqual(part, bytes.subarray(start, end + 1), `${start}-${end}`);
    }
    assert.deepEqual(await store.leftovers(), []);
  });

  it('answers null, not an error, for a photo it does not hold', async () => {
    const hash = sha256Hex(Buffer.from('never stored'));
    assert.equal(await photos.exists(hash), false);
    assert.equal(await photos.open(hash), null);
    assert.equal(await photos.open(hash, { start: 0, end: 3 }), null);
  });

  it('keeps nothing of a discarded upload', async () => {
    const bytes = fakePhoto('image/png', 9000);
    const hash = sha256Hex(bytes);
    const got = received(await photos.receive(Readable.from([bytes]), hash));
    await got.pending.discard();
    assert.equal(await photos.exists(hash), false);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('refuses to commit bytes under a hash they do not have', async () => {
    const bytes = fakePhoto();
    const claimed = sha256Hex(fakePhoto());
    const got = received(await photos.receive(Readable.from([bytes]), claimed));
    assert.equal(got.sha256, sha256Hex(bytes));
    await assert.rejects(got.pending.commit(), /cannot be stored as/);
    await got.pending.discard();
    assert.equal(await photos.exists(claimed), false);
    assert.equal(await photos.exists(sha256Hex(bytes)), false);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('only hashes a photo it already holds, and rewrites nothing', async () => {
    const bytes = fakePhoto('image/webp', 5000);
    const hash = sha256Hex(bytes);
    await received(await photos.receive(Readable.from([bytes]), hash)).pending.commit();
    const version = await store.version(hash);
    await new Promise((r) => setTimeout(r, store.clockResolutionMs));
    const again = received(await photos.receive(Readable.from([bytes]), hash));
    assert.equal(again.pending.alreadyStored, true);
    await again.pending.commit();
    assert.equal(await store.version(hash), version);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('stores a photo received twice at once, whole, once both commit', async () => {
    const bytes = fakePhoto('image/jpeg', 40_000);
    const hash = sha256Hex(bytes);
    const chunks = (): Buffer[] =>
      Array.from({ length: 10 }, (_, i) => bytes.subarray(i * 4000, (i + 1) * 4000));
    const both = await Promise.all([
      photos.receive(Readable.from(chunks()), hash),
      photos.receive(Readable.from(chunks()), hash),
    ]);
    await Promise.all(both.map((r) => received(r).pending.commit()));
    assert.deepEqual(await store.read(hash), bytes);
    assert.deepEqual(await store.leftovers(), []);
  });

  it('keeps nothing of an upload whose client goes away, nor of refused ones', async () => {
    const bytes = fakePhoto('image/jpeg', 30_000);
    const hash = sha256Hex(bytes);
    const body = new PassThrough();
    const receiving = photos.receive(body, hash);
    body.write(bytes.subarray(0, 10_000));
    // As an HTTP request whose client resets it: destroyed, with no error for a reader that did not listen.
    body.destroy();
    await assert.rejects(receiving, UploadInterrupted);

    const tooLarge = fakePhoto('image/jpeg', MAX + 1);
    assert.equal((await photos.receive(Readable.from([tooLarge]), sha256Hex(tooLarge))).kind, 'too_large');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), fakePhoto()]);
    assert.equal((await photos.receive(Readable.from([pdf]), sha256Hex(pdf))).kind, 'unsupported');
    assert.equal((await photos.receive(Readable.from([]), hash)).kind, 'empty');

    assert.equal(await photos.exists(hash), false);
    assert.deepEqual(await store.leftovers(), []);
  });
});

/**
 * Forwards to the S3 server, changing one byte in the body of the first
 * `damaged` PutObject requests: a store that checks neither Content-MD5 nor
 * the SHA-256 checksum (as the test server does not) then holds wrong bytes,
 * which only the ETag it answers reveals.
 */
async function damagingProxy(target: string, damaged: number): Promise<{ endpoint: string; server: Server }> {
  let left = damaged;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const flip = req.method === 'PUT' && left-- > 0;
    let flipped = false;
    const upstream = request(url, { method: req.method, headers: req.headers }, (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.on('data', (chunk: Buffer) => {
      if (flip && !flipped && chunk.length > 100) {
        chunk = Buffer.from(chunk);
        chunk[100] = chunk[100]! ^ 0xff;
        flipped = true;
      }
      upstream.write(chunk);
    });
    req.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

// The folder has no way to receive other bytes than it wrote: fsync and rename are local.
postgresSuite('photo bucket checks what it stored', () => {
  const through = async (damaged: number) => {
    const location = freshBucketPrefix();
    const proxy = await damagingProxy(String(location.client?.endpoint), damaged);
    const opened = await openStore({ ...location, client: { ...location.client, endpoint: proxy.endpoint } });
    return {
      ...opened,
      async close() {
        await opened.close();
        await new Promise((r) => proxy.server.close(r));
      },
    };
  };

  it('puts again a photo whose bytes reached the bucket damaged, which then holds them right', async () => {
    const { photos, probe, close } = await through(1);
    try {
      const bytes = fakePhoto('image/jpeg', 20_000);
      const hash = sha256Hex(bytes);
      await received(await photos.receive(Readable.from([bytes]), hash)).pending.commit();
      assert.deepEqual(await probe.read(hash), bytes);
    } finally {
      await close();
    }
  });

  it('fails the commit, and keeps no damaged bytes under the hash, when every try arrives damaged', async () => {
    const { photos, probe, close } = await through(Infinity);
    try {
      const bytes = fakePhoto('image/jpeg', 20_000);
      const hash = sha256Hex(bytes);
      const got = received(await photos.receive(Readable.from([bytes]), hash));
      await assert.rejects(got.pending.commit(), /stored .* with MD5/);
      assert.equal(await probe.read(hash), null);
      assert.equal(await photos.exists(hash), false);
      assert.deepEqual(await probe.leftovers(), []);
    } finally {
      await close();
    }
  });
});
