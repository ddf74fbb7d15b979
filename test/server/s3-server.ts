/**
 * A throwaway S3-protocol server for the server tests: s3rver, speaking S3's
 * HTTP API on a free loopback port, keeping objects in a temp dir, with one
 * bucket. Each test store takes a prefix of its own in it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import S3rver from 's3rver';

/** What this file uses of s3rver's file store (s3rver 3.7, lib/stores/filesystem.js). */
interface ObjectStore {
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string, resource: 'object'): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
}

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: unknown;
}

/**
 * S3 stores an object only once all of it has arrived: an upload cut off
 * half-way (its sender killed) leaves nothing, and a finished one reads
 * whole at once. s3rver writes the body straight to the object's file, and
 * answers before the write is done: an upload cut off left a part-written
 * object that HEAD and GET found. Here the body is read whole, written
 * beside the object's file, and renamed onto it before the answer. (The
 * temporary name does not end as s3rver's object files do, so listings
 * skip it.)
 */
function storeWholeObjectsOnly(server: S3rver): void {
  const store = (server as unknown as { store: ObjectStore }).store;
  store.putObject = async (object) => {
    const content = Buffer.isBuffer(object.content) ? object.content : await buffer(object.content);
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const part = `${path}.${randomUUID()}.part`;
    await writeFile(part, content);
    await rename(part, path);
    const md5 = createHash('md5').update(content).digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size: content.length, md5 };
  };
}

export interface S3Server {
  /** http://127.0.0.1:port */
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'fieldsync-s3-'));
  const bucket = 'fieldsync-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  storeWholeObjectsOnly(server);
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
