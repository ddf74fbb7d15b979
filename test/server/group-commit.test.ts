import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, beforeEach, afterEach, it } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, type DB } from '../../server/storage/sqlite/database.js';
import { GroupCommit, MAX_BATCH } from '../../server/storage/sqlite/group-commit.js';
import { gate, sqliteSuite, tempDir } from './helpers.js';

/** Whether p has settled by the time the event loop has gone round a few times. */
async function settledSoon(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await nextTurn();
  return settled;
}

// About the SQLite repository's commit queue itself; PostgreSQL gives every
// transaction a connection of its own, and the repository tests check both.
sqliteSuite('group commit on SQLite', () => {
  const dir = tempDir('group-commit');
  let db: DB;
  let commits: GroupCommit;
  let reader: Database.Database;
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    db = openDatabase(dir);
    db.exec(
      'DROP TABLE IF EXISTS t; CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE)',
    );
    commits = new GroupCommit(db);
    // Another connection sees only what is committed.
    reader = new Database(join(dir, 'fieldsync.db'), { readonly: true });
  });
  afterEach(async () => {
    await commits.idle();
    reader.close();
    db.close();
  });

  const insert = (name: string) => () =>
    Number(db.prepare('INSERT INTO t (name) VALUES (?)').run(name).lastInsertRowid);
  const committed = (): string[] =>
    reader
      .prepare<[], { name: string }>('SELECT name FROM t ORDER BY id')
      .all()
      .map((r) => r.name);

  it('acknowledges a transaction only once the commit it shares is done, not when its own work is', async () => {
    const held = gate();
    let firstDone = false;
    const first = commits.transaction(() => {
      const id = insert('first')();
      firstDone = true;
      return id;
    });
    const second = commits.transaction(async () => {
      await held.opened;
      return insert('second')();
    });
    // The first's work is done; its batch is held open by the second.
    while (!firstDone) await nextTurn();
    assert.equal(await settledSoon(first), false);
    assert.deepEqual(committed(), []);
    held.open();
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(committed(), ['first', 'second']);
  });

  it('rolls back a transaction that fails inside a shared commit, and only it', async () => {
    const results = await Promise.allSettled([
      commits.transaction(insert('a')),
      commits.transaction(() => {
        insert('b')();
        throw new Error('b changed its mind');
      }),
      commits.transaction(insert('c')),
      // A statement that fails: SQLite undoes that statement, the savepoint the rest.
      commits.transaction(() => {
        insert('d')();
        insert('a')();
      }),
      commits.transaction(insert('e')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /changed its mind/);
    assert.match(String((results[3] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.deepEqual(committed(), ['a', 'c', 'e']);
  });

  it('lets a transaction see the writes of those before it in its batch', async () => {
    const count = () => db.prepare('SELECT count(*) AS n FROM t').pluck().get();
    const seen = await Promise.all([
      commits.transaction(insert('x')),
      commits.transaction(count),
      commits.transaction(insert('y')),
      commits.transaction(count),
    ]);
    assert.deepEqual(seen, [1, 1, 2, 2]);
  });

  it('rejects every transaction of a batch that cannot commit, and keeps none of it', async () => {
    // A deferred constraint is checked at COMMIT: the whole batch fails there.
    db.exec(`CREATE TABLE IF NOT EXISTS child (
      parent INTEGER REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)`);
    const results = await Promise.allSettled([
      commits.transaction(insert('kept until the commit fails')),
      commits.transaction(() => db.prepare('INSERT INTO child (parent) VALUES (999)').run()),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match(String(r.reason), /FOREIGN KEY/);
    }
    assert.deepEqual(committed(), []);
    assert.equal(db.inTransaction, false);
    // The next batch starts clean.
    await commits.transaction(insert('after'));
    assert.deepEqual(committed(), ['after']);
  });

  it('rejects the batch of a transaction that ended the database transaction, then carries on', async () => {
    const results = await Promise.allSettled([
      commits.transaction(insert('before')),
      commits.transaction(() => db.exec('ROLLBACK')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    await commits.transaction(insert('next'));
    assert.deepEqual(committed(), ['next']);
  });

  it('refuses the batch it would start while another connection holds the write lock, then carries on', async () => {
    db.pragma('busy_timeout = 0');
    const other = new Database(join(dir, 'fieldsync.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      await assert.rejects(commits.transaction(insert('locked out')), /locked|busy/i);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await commits.transaction(insert('in'));
    assert.deepEqual(committed(), ['in']);
  });

  it('commits many transactions asked for at once, a batch at a time, in the order asked', async () => {
    const names = Array.from({ length: MAX_BATCH * 2 + 5 }, (_, i) => `n${i}`);
    const ids = await Promise.all(names.map((n) => commits.transaction(insert(n))));
    assert.deepEqual(
      ids,
      names.map((_, i) => i + 1),
    );
    assert.deepEqual(committed(), names);
  });

  it('runs work asked to run alone outside any transaction, after the batches asked before it', async () => {
    const before = commits.transaction(insert('queued first'));
    const alone = commits.alone(() => ({ inTransaction: db.inTransaction, seen: committed() }));
    assert.deepEqual(await alone, { inTransaction: false, seen: ['queued first'] });
    await before;
  });
});
