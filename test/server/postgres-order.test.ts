import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import type { Receipt } from '../../shared/submission.js';
import type { Repository, StoredSubmission } from '../../server/storage/repository.js';
import { openRepository } from '../../server/storage/stores.js';
import { freshStore, gate, postgresSuite, removeStore, validPayload, type TestStore } from './helpers.js';

const NOW = '2026-11-20T09:31:00.000Z';

const newSubmission = () => ({ payload: validPayload([]), contentHash: 'h', receivedAt: NOW, sentBy: null });

// About PostgreSQL's concurrent writers: SQLite has one writer, which
// commits in seq order (the repository tests check both).
postgresSuite('the order of submissions on PostgreSQL', () => {
  let store: TestStore;
  let repo: Repository;
  before(async () => {
    store = await freshStore('pg-order');
    repo = await openRepository(store);
    await repo.migrate();
  });
  after(async () => {
    await repo.close();
    await removeStore(store);
  });

  /** Every submission listed, newest first, a page of `size` at a time from before. */
  async function walk(from: number | null, size: number, until = 0): Promise<StoredSubmission[]> {
    const seen: StoredSubmission[] = [];
    for (let before = from; ;) {
      const page = await repo.listSubmissions(before, size);
      const above = page.items.filter((s) => s.receipt.seq > until);
      seen.push(...above);
      if (page.nextBefore === null || above.length < page.items.length) return seen;
      before = page.nextBefore;
    }
  }

  /** Holds a transaction open after its insert, until released. */
  async function heldInsert(): Promise<{ receipt: Receipt; release(): void; done: Promise<unknown> }> {
    const inserted = gate();
    const release = gate();
    let receipt: Receipt | undefined;
    const done = repo.withTransaction(async (tx) => {
      receipt = (await tx.insertSubmission(newSubmission())).stored.receipt;
      inserted.open();
      await release.opened;
    });
    await Promise.race([inserted.opened, done]);
    return { receipt: receipt!, release: release.open, done };
  }

  it('lists nothing committed after a seq still in flight until it ends, and a cursor then misses nothing', async () => {
    const older = await repo.insertSubmission(newSubmission());
    const slow = await heldInsert();
    assert.ok(slow.receipt.seq > older.stored.receipt.seq);
    // Inserted after the held one, committed before it.
    const later: Receipt[] = [];
    for (let i = 0; i < 5; i++) later.push((await repo.insertSubmission(newSubmission())).stored.receipt);
    for (const r of later) assert.ok(r.seq > slow.receipt.seq);
    // Committed: a look-up finds them...
    for (const r of later) assert.ok(await repo.getSubmission(r.id));
    // ...but the listing stops below the seq in flight, whatever page size or cursor.
    const meanwhile = await walk(null, 2);
    assert.equal(meanwhile[0]?.receipt.id, older.stored.receipt.id);
    assert.ok(meanwhile.every((s) => s.receipt.seq < slow.receipt.seq));
    const fromAbove = await repo.listSubmissions(later[4]!.seq, 10);
    assert.ok(fromAbove.items.every((s) => s.receipt.seq < slow.receipt.seq));

    slow.release();
    await slow.done;
    // A client picking up from the newest it saw gets every new one, once, in seq order.
    const fresh = await walk(null, 2, meanwhile[0]!.receipt.seq);
    assert.deepEqual(
      fresh.map((s) => s.receipt.id),
      [...later]
        .reverse()
        .map((r) => r.id)
        .concat(slow.receipt.id),
    );
    // And its old cursor goes on below what it saw, with nothing seen twice.
    const rest = await walk(meanwhile[0]!.receipt.seq, 2);
    assert.ok(rest.every((s) => s.receipt.seq < meanwhile[0]!.receipt.seq));
  });

  it('moves on past a seq whose transaction rolled back', async () => {
    let taken = 0;
    await assert.rejects(
      repo.withTransaction(async (tx) => {
        taken = (await tx.insertSubmission(newSubmission())).stored.receipt.seq;
        throw new Error('given up');
      }),
      /given up/,
    );
    const next = await repo.insertSubmission(newSubmission());
    assert.ok(next.stored.receipt.seq > taken);
    assert.equal((await repo.listSubmissions(null, 1)).items[0]?.receipt.id, next.stored.receipt.id);
  });

  it('is not held back by other transactions: a write in this database, or any in another', async () => {
    const other = new pg.Client({ connectionString: process.env.FIELDSYNC_TEST_POSTGRES_URL });
    await other.connect();
    const release = gate();
    const photoWritten = gate();
    const photo = repo.withTransaction(async (tx) => {
      await tx.insertPhoto({ sha256: 'c'.repeat(64), bytes: 1, type: 'image/jpeg', createdAt: NOW });
      photoWritten.open();
      await release.opened;
    });
    try {
      // A transaction id taken and held in the cluster's maintenance database.
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      await photoWritten.opened;
      const inserted = await repo.insertSubmission(newSubmission());
      assert.equal((await repo.listSubmissions(null, 1)).items[0]?.receipt.id, inserted.stored.receipt.id);
    } finally {
      release.open();
      await photo;
      await other.query('ROLLBACK');
      await other.end();
    }
  });
});
