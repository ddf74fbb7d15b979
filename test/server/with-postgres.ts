/**
 * Runs a command (the server test suite) against one fresh PostgreSQL
 * cluster: `node with-postgres.js node --test …`. The command sees
 * FIELDSYNC_TEST_BACKEND=postgres and FIELDSYNC_TEST_POSTGRES_URL; each
 * test server then gets a database of its own on that cluster.
 */
import { spawnSync } from 'node:child_process';
import { startCluster } from './postgres-cluster.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('Usage: node with-postgres.js <command> [args…]');
  process.exit(2);
}
const cluster = await startCluster();
let status: number;
try {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: {
      ...process.env,
      FIELDSYNC_TEST_BACKEND: 'postgres',
      FIELDSYNC_TEST_POSTGRES_URL: cluster.adminUrl,
    },
  });
  status = result.status ?? 1;
} finally {
  cluster.stop();
}
process.exit(status);
