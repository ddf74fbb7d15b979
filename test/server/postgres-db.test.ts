import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { migrate, openPool, readMigrations } from '../../server/storage/postgres/database.js';
import { startCluster } from './postgres-cluster.js';
import { openPostgresRepository } from '../../server/storage/postgres/postgres-repository.js';
import {
  freshStore,
  gate,
  postgresSuite,
  removeStore,
  tempDir,
  validPayload,
  type TestStore,
} from './helpers.js';

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
    // On a cluster as an operator runs it: the suite's own skips flushes to disk.
    const durable = await startCluster();
    const appPool = openPool(durable.adminUrl);
    try {
      const { rows } = await appPool.query<{ synchronous_commit: string; fsync: string }>(
        'SELECT current_setting($1) AS synchronous_commit, current_setting($2) AS fsync',
        ['synchronous_commit', 'fsync'],
      );
      assert.deepEqual(rows, [{ synchronous_commit: 'on', fsync: 'on' }]);
    } finally {
      await appPool.end();
      durable.stop();
    }
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
  it('gives rows stored before it their capture time in UTC, keeping text that is not a time', async () => {
    const other = await freshStore('pg-captured');
    const otherPool = openPool(other.databaseUrl!);
    try {
      const migrations = readMigrations();
      const at = migrations.findIndex((m) => m.name === '0006-captured-at.sql');
      assert.ok(at > 0);
      await migrate(otherPool, migrations.slice(0, at));
      for (const [id, createdAt] of [
        ['a', '2026-11-20T09:30:00+03:00'],
        ['b', '2026-11-20T08:00:00.123Z'],
        ['c', 'not a time'],
      ])
        await otherPool.query(
          `INSERT INTO submissions (seq, id, form_id, form_version, device_id, created_at, received_at, content_hash, payload)
           VALUES (nextval('submission_seq'), $1, 'f', 1, 'd', $2, 'r', 'h', '{}')`,
          [id, createdAt],
        );
      await migrate(otherPool, migrations);
      const { rows } = await otherPool.query('SELECT id, captured_at FROM submissions ORDER BY id');
      assert.deepEqual(rows, [
        { id: 'a', captured_at: '2026-11-20T06:30:00.000Z' },
        { id: 'b', captured_at: '2026-11-20T08:00:00.123Z' },
        { id: 'c', captured_at: 'not a time' },
      ]);
    } finally {
      await otherPool.end();
      await removeStore(other);
    }
  });
  it('numbers new submissions on from the receipts given before concurrent inserts', async () => {
    const other = await freshStore('pg-seq');
    const otherPool = openPool(other.databaseUrl!);
    const repo = openPostgresRepository(other.databaseUrl!);
    try {
      const [first, ...later] = readMigrations();
      await migrate(otherPool, [first!]);
      // Three submissions numbered by the counter row, as servers before it did; 4 was taken, then lost.
      for (const id of ['a', 'b', 'c']) {
        await otherPool.query(
          `WITH next AS (UPDATE counters SET value = value + 1 WHERE name = 'submission_seq' RETURNING value)
           INSERT INTO submissions (seq, id, form_id, form_version, device_id, created_at, received_at, content_hash, payload)
           SELECT value, $1, 'f', 1, 'd', 'c', 'r', 'h', '{}' FROM next`,
          [id],
        );
      }
      await otherPool.query(`UPDATE counters SET value = 4 WHERE name = 'submission_seq'`);
      await migrate(otherPool, [first!, ...later]);
      const { stored } = await repo.insertSubmission({
        payload: validPayload([]),
        contentHash: 'h',
        receivedAt: 'r',
        sentBy: null,
      });
      assert.equal(stored.receipt.seq, 5);
      const { rows } = await otherPool.query<{ seq: string; id: string }>(
        'SELECT seq, id FROM submissions ORDER BY seq',
      );
      assert.deepEqual(
        rows.map((r) => [Number(r.seq), r.id]),
        [
          [1, 'a'],
          [2, 'b'],
          [3, 'c'],
          [5, stored.receipt.id],
        ],
      );
      // A server of the old version still running fails to insert rather than number out of order.
      await assert.rejects(otherPool.query(`UPDATE counters SET value = value + 1`), /counters/);
    } finally {
      await repo.close();
      await otherPool.end();
      await removeStore(other);
    }
  });

  it('opens no more connections than its pool size: a transaction waits for a free one', async () => {
    const repo = openPostgresRepository(store.databaseUrl!, { poolSize: 1 });
    try {
      await repo.migrate();
      const release = gate();
      const running = gate();
      const first = repo.withTransaction(async () => {
        running.open();
        await release.opened;
      });
      await running.opened;
      let secondStarted = false;
      const second = repo.withTransaction(async () => {
        secondStarted = true;
      });
      for (let i = 0; i < 10; i++) await nextTurn();
      assert.equal(secondStarted, false);
      release.open();
      await Promise.all([first, second]);
      assert.equal(secondStarted, true);
    } finally {
      await repo.close();
    }
  });
});
