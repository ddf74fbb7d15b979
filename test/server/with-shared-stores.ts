/**
 * Runs a command (the server test suite) against the stores several server
 * instances share: one fresh PostgreSQL cluster and one S3-protocol server.
 * `node with-shared-stores.js node --test …`. The command sees
 * FIELDSYNC_TEST_BACKEND=postgres, FIELDSYNC_TEST_POSTGRES_URL and
 * FIELDSYNC_TEST_S3_ENDPOINT/_BUCKET; each test server then gets a database
 * of its own on that cluster and a prefix of its own in that bucket.
 */
import { spawn } from 'node:child_process';
import { startCluster } from './postgres-cluster.js';
import { startS3Server } from './s3-server.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('Usage: node with-shared-stores.js <command> [args…]');
  process.exit(2);
}
// A throwaway cluster has nothing a power cut could take that matters: no
// flushes to disk (postgres-db.test.ts checks a durable cluster of its own).
const cluster = await startCluster({ durable: false });
let status = 1;
try {
  const s3 = await startS3Server();
  try {
    // Not spawnSync: the S3 server answers from this process's event loop.
    const child = spawn(command, args, {
      stdio: 'inherit',
      env: {
        ...process.env,
        FIELDSYNC_TEST_BACKEND: 'postgres',
        FIELDSYNC_TEST_POSTGRES_URL: cluster.adminUrl,
        FIELDSYNC_TEST_S3_ENDPOINT: s3.endpoint,
        FIELDSYNC_TEST_S3_BUCKET: s3.bucket,
      },
    });
    status = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  } finally {
    await s3.stop();
  }
} finally {
  cluster.stop();
}
process.exit(status);
