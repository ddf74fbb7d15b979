import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_POOL_SIZE } from '../../config.js';
import { PROJECT_ROOT } from '../../paths.js';
import {
  checkApplied,
  readMigrationFiles,
  SCHEMA_MIGRATIONS_DDL,
  type Migration,
} from '../migration-files.js';

/** Where the numbered migrations live; .sql files are not compiled, so they are read from the source tree. */
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'server', 'storage', 'postgres', 'migrations');

export type PgMigration = Migration<(client: pg.PoolClient) => Promise<unknown>>;

/**
 * Any number, the same in every server: pg_advisory_lock on it lets one
 * server migrate while the others starting at the same moment wait.
 */
const MIGRATION_LOCK = 7_384_201_555;

/** The migrations in dir, in order, gap-checked. All are SQL so far. */
export function readMigrations(dir: string = MIGRATIONS_DIR): PgMigration[] {
  return readMigrationFiles(dir, {
    fromSql: (sql) => (client) => client.query(sql),
    code: {},
    codeListedIn: 'server/storage/postgres/database.ts',
  });
}

/**
 * Runs fn in a transaction on client: committed when it resolves, rolled
 * back when it rejects, with fn's error either way (a ROLLBACK on a broken
 * connection fails too, and says less).
 */
export async function inTransaction<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Applies the migrations not yet recorded, each in its own transaction with
 * its record, holding the migration lock throughout: a second server
 * starting at the same moment waits, then finds everything recorded.
 */
export async function migrate(pool: pg.Pool, migrations: PgMigration[] = readMigrations()): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(SCHEMA_MIGRATIONS_DDL);
      for (const m of migrations) {
        await inTransaction(client, async () => {
          const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
            m.version,
          ]);
          if (applied.rowCount !== 0) return;
          await m.apply(client);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [m.version, m.name, new Date().toISOString()],
          );
        });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/**
 * A pool of up to size connections on url, not yet migrated. Durability is
 * PostgreSQL's own: with its default synchronous_commit=on a COMMIT returns
 * only once the WAL is flushed to disk, so a receipt is never given for
 * data a power cut could take. Do not turn it off for this database.
 * Transactions in flight at once commit together in one flush (PostgreSQL's
 * own group commit), so the pool size bounds how many share it.
 */
export function openPool(url: string, size: number = DEFAULT_POOL_SIZE): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: size });
  // An idle connection the database closes (a restart, a timeout) is dropped
  // by the pool; without a listener its error would end the process.
  pool.on('error', () => undefined);
  return pool;
}

/** A connection pool on url whose every transaction is read only, for copying the database elsewhere. */
export function openPoolToRead(url: string): pg.Pool {
  const pool = openPool(url);
  // Queued on each new connection ahead of anything asked of it.
  pool.on(
    'connect',
    (client) => void client.query('SET default_transaction_read_only = on').catch(() => undefined),
  );
  return pool;
}

/** Refuses a database opened to read only (at url) whose applied migrations are not exactly these. */
export async function checkMigrated(
  pool: pg.Pool,
  url: string,
  migrations: PgMigration[] = readMigrations(),
): Promise<void> {
  const [table] = (
    await pool.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
  ).rows;
  const applied = table?.present
    ? (await pool.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      )
    : [];
  const { host, pathname } = new URL(url);
  checkApplied(applied, migrations, `The database ${pathname.slice(1)} at ${host}`);
}
