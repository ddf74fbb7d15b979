/**
 * Several server processes on one PostgreSQL database and one bucket, as
 * behind a load balancer with no sticky sessions: whichever instance a
 * device reaches, and whichever dies, nothing is lost or stored twice.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type {
  Receipt,
  ServerSubmission,
  SubmissionPage,
  SubmissionPayload,
} from '../../shared/submission.js';
import {
  credentialHeaders,
  fakePhoto,
  photoRef,
  postgresSuite,
  sha256Hex,
  storeCredentials,
  validPayload,
} from './helpers.js';
import { serversOnFreshStore } from './process.js';

interface Answer {
  status: number;
  body: unknown;
}

/** The cookies of a device and an administrator created in the store, and X-Fieldsync-Request. */
let headers: Record<string, string> = {};

async function put(base: string, path: string, body: Buffer | string, type: string): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: 'PUT',
    body,
    headers: { ...headers, 'content-type': type },
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

const putPhotoTo = (base: string, bytes: Buffer): Promise<Answer> =>
  put(base, `/api/photos/${sha256Hex(bytes)}`, bytes, 'image/jpeg');
const putSubmissionTo = (base: string, payload: SubmissionPayload): Promise<Answer> =>
  put(base, `/api/submissions/${payload.id}`, JSON.stringify(payload), 'application/json');

/** A capture: its payload and the bytes of its one photo. */
interface Capture {
  payload: SubmissionPayload;
  photo: Buffer;
}

function capture(): Capture {
  const photo = fakePhoto('image/jpeg', 8000);
  return { payload: validPayload([photoRef(photo)]), photo };
}

/**
 * Sends as a device does: the photo, then the submission, each until an
 * instance acknowledges it. Each try goes to the next instance, as a
 * round-robin balancer would send it; a refused connection or a 5xx is
 * tried again, anything else is an answer.
 */
async function deliver(instances: () => string[], item: Capture, start: number): Promise<Receipt> {
  let turn = start;
  const attempt = async (send: (base: string) => Promise<Answer>): Promise<Answer> => {
    for (;;) {
      const all = instances();
      const base = all[turn++ % all.length]!;
      const answer = await send(base).catch(() => null);
      if (answer && answer.status < 500) return answer;
    }
  };
  const photo = await attempt((base) => putPhotoTo(base, item.photo));
  assert.ok([200, 201].includes(photo.status), JSON.stringify(photo.body));
  const sent = await attempt((base) => putSubmissionTo(base, item.payload));
  assert.ok([200, 201].includes(sent.status), JSON.stringify(sent.body));
  return sent.body as Receipt;
}

/** Every submission the server lists, newest first, walking the cursor down to (not including) seq floor. */
async function listDownTo(base: string, floor: number): Promise<ServerSubmission[]> {
  const seen: ServerSubmission[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = (await (
      await fetch(`${base}/api/submissions?limit=7${query}`, { headers })
    ).json()) as SubmissionPage;
    for (const item of page.items) {
      if (item.receipt.seq <= floor) return seen;
      seen.push(item);
    }
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
}

postgresSuite('several instances on one database and one bucket', () => {
  const { store, start } = serversOnFreshStore('instances');
  before(async () => {
    headers = credentialHeaders(await storeCredentials(store()));
  });

  it('answers the same new submission sent to two instances at once with one 201 and one 200, one receipt', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    for (let i = 0; i < 30; i++) {
      const { payload, photo } = capture();
      const photos = await Promise.all([putPhotoTo(a!.url, photo), putPhotoTo(b!.url, photo)]);
      for (const p of photos) assert.ok([200, 201].includes(p.status), JSON.stringify(p.body));
      const answers = await Promise.all([putSubmissionTo(a!.url, payload), putSubmissionTo(b!.url, payload)]);
      assert.deepEqual(answers.map((x) => x.status).sort(), [200, 201], JSON.stringify(answers));
      const [first, second] = answers.map((x) => x.body as Receipt);
      assert.equal(first?.id, payload.id);
      assert.deepEqual(first, second);
      const stored = await (
        await fetch(`${b!.url}/api/photos/${sha256Hex(photo)}`, { headers })
      ).arrayBuffer();
      assert.deepEqual(Buffer.from(stored), photo);
    }
    const listed = await listDownTo(a!.url, 0);
    assert.equal(listed.length, 30);
    assert.equal(new Set(listed.map((s) => s.id)).size, 30);
  });

  it('loses nothing and stores nothing twice when an instance is killed while devices send', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const before = (await listDownTo(a!.url, 0)).length;
    let live = [a!.url, b!.url];
    const devices = 6;
    const perDevice = 8;
    const captures = Array.from({ length: devices }, () => Array.from({ length: perDevice }, capture));
    const receipts = new Map<string, Receipt>();
    let killed: Promise<unknown> | null = null;
    await Promise.all(
      captures.map(async (queue, device) => {
        for (const item of queue) {
          receipts.set(item.payload.id, await deliver(() => live, item, device));
          // Mid-way through, the first instance dies without warning; the balancer notices later.
          if (receipts.size === (devices * perDevice) / 3 && !killed) {
            a!.child.kill('SIGKILL');
            killed = a!.exited.then(() => (live = [b!.url]));
          }
        }
      }),
    );
    assert.ok(killed, 'the instance was killed while devices were sending');
    assert.equal(receipts.size, devices * perDevice);

    const listed = await listDownTo(b!.url, 0);
    assert.equal(listed.length - before, devices * perDevice);
    assert.equal(new Set(listed.map((s) => s.id)).size, listed.length);
    for (const item of captures.flat()) {
      assert.equal(receipts.get(item.payload.id)?.id, item.payload.id);
      const res = await fetch(`${b!.url}/api/submissions/${item.payload.id}`, { headers });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as ServerSubmission).receipt, receipts.get(item.payload.id));
      const photo = await fetch(`${b!.url}/api/photos/${sha256Hex(item.photo)}`, { headers });
      assert.deepEqual(Buffer.from(await photo.arrayBuffer()), item.photo);
      // A device that never heard its receipt sends again and gets the same one.
      const again = await putSubmissionTo(b!.url, item.payload);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, receipts.get(item.payload.id));
    }
  });

  it('lets a reader walking the list from the newest miss nothing while two instances insert', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const floor = Math.max(0, ...(await listDownTo(a!.url, 0)).map((s) => s.receipt.seq));
    const writers = [a!.url, b!.url].flatMap((base) =>
      [0, 1].map(async () => {
        const ids: string[] = [];
        for (let i = 0; i < 25; i++) {
          const { payload, photo } = capture();
          assert.equal((await putPhotoTo(base, photo)).status, 201);
          const answer = await putSubmissionTo(base, payload);
          assert.equal(answer.status, 201, JSON.stringify(answer.body));
          ids.push(payload.id);
        }
        return ids;
      }),
    );
    let writing = true;
    const written = Promise.all(writers).finally(() => (writing = false));

    // Each pass reads from the newest down to the highest seq the last pass saw, as a syncing client does.
    const seen = new Map<string, number>();
    let watermark = floor;
    let passes = 0;
    const readPass = async (base: string): Promise<void> => {
      const fresh = await listDownTo(base, watermark);
      const seqs = fresh.map((s) => s.receipt.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => y - x),
        'newest first',
      );
      for (const item of fresh) {
        assert.equal(seen.has(item.id), false, `${item.id} (seq ${item.receipt.seq}) listed twice`);
        seen.set(item.id, item.receipt.seq);
      }
      watermark = Math.max(watermark, ...seqs);
      passes++;
    };
    while (writing) await readPass(passes % 2 ? a!.url : b!.url);
    const ids = (await written).flat();
    await readPass(a!.url);
    assert.ok(passes > 2, `the reader walked the list ${passes} times while the writers wrote`);
    assert.deepEqual([...seen.keys()].sort(), [...ids].sort());
  });
});
