import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { migrate, openDatabase, readMigrations } from '../../server/storage/sqlite/database.js';
import { sqliteSuite, tempDir } from './helpers.js';

// About SQLite itself (its file's settings, its migration files); the
// PostgreSQL pass checks its own in postgres-db.test.ts.
sqliteSuite('the SQLite database', () => {
  const dir = tempDir('db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('opens in WAL mode with synchronous FULL, foreign keys on and checkpoints every 10,000 pages', () => {
    const db = openDatabase(dir);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      // 2 is FULL: a commit is fsynced before it returns.
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 10_000);
    } finally {
      db.close();
    }
  });

  it('records each migration once and skips it on the next start', () => {
    const migrations = readMigrations();
    assert.ok(migrations.length >= 1);
    assert.deepEqual(
      migrations.map((m) => m.version),
      migrations.map((_, i) => i + 1),
    );
    const db = openDatabase(dir);
    try {
      migrate(db);
      migrate(db);
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      assert.deepEqual(
        rows,
        migrations.map((m) => m.version),
      );
    } finally {
      db.close();
    }
  });

  it('gives rows stored before it their capture time in UTC, keeping text that is not a time', () => {
    const migrations = readMigrations();
    const at = migrations.findIndex((m) => m.name === '0007-captured-at.sql');
    assert.ok(at > 0);
    const own = join(dir, 'captured');
    mkdirSync(own);
    const db = openDatabase(own);
    try {
      db.pragma('foreign_keys = OFF');
      migrate(db, migrations.slice(0, at));
      const insert = db.prepare(
        `INSERT INTO submissions (id, form_id, form_version, device_id, created_at, received_at, content_hash, payload)
         VALUES (?, 'f', 1, 'd', ?, 'r', 'h', '{}')`,
      );
      insert.run('a', '2026-11-20T09:30:00+03:00');
      insert.run('b', '2026-11-20T08:00:00.123Z');
      insert.run('c', 'not a time');
      migrate(db, migrations);
      const rows = db.prepare('SELECT id, captured_at FROM submissions ORDER BY id').all();
      assert.deepEqual(rows, [
        { id: 'a', captured_at: '2026-11-20T06:30:00.000Z' },
        { id: 'b', captured_at: '2026-11-20T08:00:00.123Z' },
        { id: 'c', captured_at: 'not a time' },
      ]);
    } finally {
      db.close();
    }
  });

  it('reads a migration written in code in the numbering of the SQL ones', () => {
    const names = readMigrations().map((m) => m.name);
    assert.deepEqual(names.slice(0, 3), [
      '0001-init.sql',
      '0002-form-versions.sql',
      '0003-canonical-content-hash.ts',
    ]);
  });

  it('refuses a migration in code that the server does not list', () => {
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001-init.sql'), 'CREATE TABLE t (x INTEGER);');
    writeFileSync(join(migrations, '0002-compute-things.ts'), 'export {};');
    assert.throws(() => readMigrations(migrations), /0002-compute-things\.ts: list it in CODE_MIGRATIONS/);
  });

  it('refuses a submission row that links a photo it does not hold', () => {
    const db = openDatabase(dir);
    try {
      migrate(db);
      db.prepare(
        `INSERT INTO submissions (id, form_id, form_version, device_id, created_at, received_at, content_hash, payload)
         VALUES ('x', 'f', 1, 'd', 'c', 'r', 'h', '{}')`,
      ).run();
      assert.throws(
        () =>
          db
            .prepare(`INSERT INTO submission_photos (submission_seq, sha256) VALUES (1, '${'a'.repeat(64)}')`)
            .run(),
        /FOREIGN KEY/,
      );
    } finally {
      db.close();
    }
  });
});
