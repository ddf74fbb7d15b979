import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Receipt, ServerSubmission } from '../../shared/submission.js';
import {
  credentialHeaders,
  fakePhoto,
  photoRef,
  postgresSuite,
  sentByDeviceOf,
  sha256Hex,
  storeCredentials,
  validPayload,
} from './helpers.js';
import { serversOnFreshStore, until } from './process.js';

describe('durability', () => {
  const { store, start } = serversOnFreshStore('durable');

  it('keeps an acknowledged photo and submission when the process is killed', async () => {
    const photo = fakePhoto('image/jpeg', 50_000);
    const hash = sha256Hex(photo);
    const payload = validPayload([photoRef(photo)]);

    const credentials = await storeCredentials(store());
    const headers = credentialHeaders(credentials);
    const first = await start();
    const put = await fetch(`${first.url}/api/photos/${hash}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'image/jpeg' },
      body: photo,
    });
    assert.equal(put.status, 201);
    const sub = await fetch(`${first.url}/api/submissions/${payload.id}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    assert.equal(sub.status, 201);
    const receipt = (await sub.json()) as Receipt;

    // No graceful close: whatever was acknowledged must already be on disk.
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = await start();
    const stored = await fetch(`${second.url}/api/submissions/${payload.id}`, { headers });
    assert.equal(stored.status, 200);
    assert.deepEqual((await stored.json()) as ServerSubmission, {
      ...payload,
      receipt,
      sentBy: sentByDeviceOf(credentials),
    });
    const bytes = await fetch(`${second.url}/api/photos/${hash}`, { headers });
    assert.equal(bytes.status, 200);
    assert.ok(Buffer.from(await bytes.arrayBuffer()).equals(photo));

    const resend = await fetch(`${second.url}/api/submissions/${payload.id}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    assert.equal(resend.status, 200);
    assert.deepEqual(await resend.json(), receipt);

    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});

postgresSuite('uploads waiting when a server on a bucket is killed', () => {
  const { store, tmpDir, start } = serversOnFreshStore('spools');

  it("are removed by the next server started on the machine, which leaves a running server's alone", async () => {
    const spools = (): string[] => readdirSync(tmpDir()).sort();
    const spoolOf = (pid: number | undefined): string => {
      const mine = spools().filter((name) => name.startsWith(`fieldsync-uploads-${pid}-`));
      assert.equal(mine.length, 1, `one spool for process ${pid}: ${spools().join(', ')}`);
      return mine[0]!;
    };
    const headers = credentialHeaders(await storeCredentials(store()));
    const killed = await start();
    const running = await start();
    const [killedSpool, runningSpool] = [spoolOf(killed.child.pid), spoolOf(running.child.pid)];

    // Half a photo, its sender still there: the server holds what came in its spool.
    const photo = fakePhoto('image/jpeg', 200_000);
    let sendRest!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(photo.subarray(0, 100_000));
        sendRest = () => {
          try {
            controller.close();
          } catch {
            // Already cancelled: the connection went with the server.
          }
        };
      },
    });
    const upload = fetch(`${killed.url}/api/photos/${sha256Hex(photo)}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'image/jpeg' },
      body,
      duplex: 'half',
    } as RequestInit).catch((err: unknown) => err);
    const held = join(tmpDir(), killedSpool);
    await until(() => readdirSync(held).length > 0, 'the upload spooled');
    killed.child.kill('SIGKILL');
    assert.equal(await killed.exited, 'SIGKILL');
    sendRest();
    assert.ok((await upload) instanceof Error, 'the upload did not complete');
    // A spool named as before pids were in the names: not this server's to judge.
    const older = 'fieldsync-uploads-Ab12Cd';
    mkdirSync(join(tmpDir(), older));
    assert.deepEqual(spools(), [killedSpool, runningSpool, older].sort());

    const next = await start();
    assert.deepEqual(spools(), [runningSpool, spoolOf(next.child.pid), older].sort());
  });
});
