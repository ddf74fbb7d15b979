import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { migrate, openPool, readMigrations } from '../../server/storage/postgres/database.js';
import { freshStore, postgresSuite, removeStore, tempDir, type TestStore } from './helpers.js';

// About PostgreSQL itself (its settings, its migration files); the SQLite
// pass checks its own in db.test.ts.
postgresSuite('the PostgreSQL database', () => {
  let store: TestStore;
  let pool: pg.Pool;
  const dir = tempDir('pg-migrations');
  before(async () => {
    store = await freshStore('pg-db');
    pool = openPool(store.databaseUrl!);
  });
  after(async () => {
    await pool.end();
    await removeStore(store);
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits synchronously, so an acknowledged write survives a power cut', async () => {
    const { rows } = await pool.query<{ synchronous_commit: string; fsync: string }>(
      'SELECT current_setting($1) AS synchronous_commit, current_setting($2) AS fsync',
      ['synchronous_commit', 'fsync'],
    );
    assert.deepEqual(rows, [{ synchronous_commit: 'on', fsync: 'on' }]);
  });

  it('applies each migration once when several servers start at the same moment', async () => {
    const migrations = readMigrations();
    assert.deepEqual(
      migrations.map((m) => m.version),
      migrations.map((_, i) => i + 1),
    );
    const pools = Array.from({ length: 4 }, () => openPool(store.databaseUrl!));
    try {
      await Promise.all(pools.map((p) => migrate(p)));
      await migrate(pool);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    const { rows } = await pool.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows.map((r) => r.version),
      migrations.map((m) => m.version),
    );
  });

  it('refuses a gap in the numbering of its migrations', () => {
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001-init.sql'), 'CREATE TABLE t (x INTEGER);');
    writeFileSync(join(migrations, '0003-more.sql'), 'CREATE TABLE u (x INTEGER);');
    assert.throws(() => readMigrations(migrations), /0003-more\.sql: expected number 2/);
  });

  it('rolls back a failed migration with its record, leaving it to apply again', async () => {
    const other = await freshStore('pg-failed');
    const otherPool = openPool(other.databaseUrl!);
    try {
      const bad = [
        {
          version: 1,
          name: '0001-ok.sql',
          apply: (c: pg.PoolClient) => c.query('CREATE TABLE ok (x INTEGER)'),
        },
        {
          version: 2,
          name: '0002-bad.sql',
          apply: (c: pg.PoolClient) => c.query('CREATE TABLE ok (x INTEGER)'),
        },
      ];
      await assert.rejects(migrate(otherPool, bad), /already exists/);
      const { rows } = await otherPool.query<{ version: number }>('SELECT version FROM schema_migrations');
      assert.deepEqual(
        rows.map((r) => r.version),
        [1],
      );
    } finally {
      await otherPool.end();
      await removeStore(other);
    }
  });
});
