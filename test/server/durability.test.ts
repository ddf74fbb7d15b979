import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Receipt, ServerSubmission } from '../../shared/submission.js';
import {
  credentialHeaders,
  fakePhoto,
  photoRef,
  sentByDeviceOf,
  sha256Hex,
  storeCredentials,
  validPayload,
} from './helpers.js';
import { serversOnFreshStore } from './process.js';

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
