/**
 * The S3-protocol server the shared-stores pass runs on keeps S3's promise
 * that the photo stores rely on: an object exists whole or not at all.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3_TEST_CREDENTIALS } from './s3-credentials.js';
import { startS3Server, type S3Server } from './s3-server.js';

let s3: S3Server;
let client: S3Client;

before(async () => {
  s3 = await startS3Server();
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
  });
});

after(async () => {
  client.destroy();
  await s3.stop();
});

async function exists(key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === 'NotFound') return false;
    throw e;
  }
}

describe('the test S3 server', () => {
  it('stores an object whole, and nothing of an upload whose sender dies half-way', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'whole', Body: Buffer.alloc(4096, 1) }));
    assert.equal(await exists('whole'), true);

    // Half of the promised body, then the connection is gone, as when the sending process is killed.
    const url = new URL(`/${s3.bucket}/cut`, s3.endpoint);
    const req = request(url, {
      method: 'PUT',
      headers: { 'Content-Length': '4096', 'Content-Type': 'application/octet-stream' },
    });
    const closed = new Promise<void>((resolve) => req.on('close', resolve));
    req.on('error', () => undefined);
    // Half of the body is handed to the socket before the cut.
    await new Promise<void>((resolve, reject) =>
      req.write(Buffer.alloc(2048, 2), (e) => (e ? reject(e) : resolve())),
    );
    req.destroy();
    await closed;
    assert.equal(await exists('cut'), false);
  });
});
