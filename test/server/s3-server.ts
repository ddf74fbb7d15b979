/**
 * A throwaway S3-protocol server for the server tests: s3rver, speaking S3's
 * HTTP API on a free loopback port, keeping objects in a temp dir, with one
 * bucket. Each test store takes a prefix of its own in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import S3rver from 's3rver';

/** What this file uses of s3rver's file store. */
interface ObjectStore {
  putObject(object: { content: Buffer | NodeJS.ReadableStream }): Promise<unknown>;
}

/**
 * S3 stores an object only once all of it has arrived: an upload cut off
 * half-way (its sender killed) leaves nothing. s3rver writes the body
 * straight to the object's file, so such an upload left a part-written
 * object that HEAD and GET found. Its uploads are read whole first here.
 */
function storeWholeObjectsOnly(server: S3rver): void {
  const store = (server as unknown as { store: ObjectStore }).store;
  const put = store.putObject.bind(store);
  store.putObject = async (object) => {
    if (!Buffer.isBuffer(object.content)) object.content = await buffer(object.content);
    return put(object);
  };
}

export interface S3Server {
  /** http://127.0.0.1:port */
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/** s3rver's own account, which it checks signatures against. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

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
