import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep, setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { canonicalPayload } from '../../shared/canonical.js';
import type {
  PhotoRecord,
  ReferenceRevision,
  Repository,
  RepositoryTx,
} from '../../server/storage/repository.js';
import { openDatabase } from '../../server/storage/sqlite/database.js';
import { closeStores, openRepository, openStores, openStoresToRead } from '../../server/storage/stores.js';
import {
  fakePhoto,
  freshStore,
  photoRef,
  removeStore,
  sha256Hex,
  TEST_BACKEND,
  validPayload,
  type TestStore,
} from './helpers.js';

const NOW = '2026-11-20T09:31:00.000Z';

function photoRecord(): PhotoRecord {
  const bytes = fakePhoto();
  return { sha256: sha256Hex(bytes), bytes: bytes.length, type: 'image/jpeg', createdAt: NOW };
}

function revision(n: number, body: string): ReferenceRevision {
  return {
    revision: n,
    etag: `"${sha256Hex(Buffer.from(body))}"`,
    body,
    publishedAt: NOW,
    publishedBy: 'test',
  };
}

/** Rejects with this to roll a transaction back on purpose. */
class Abandoned extends Error {}

describe(`the repository (${TEST_BACKEND})`, () => {
  let store: TestStore;
  let repo: Repository;
  before(async () => {
    store = await freshStore('repository');
    repo = await openRepository(store);
    await repo.migrate();
  });
  after(async () => {
    await repo.close();
    await removeStore(store);
  });

  it('runs two transactions in flight at once apart, each committed or rolled back alone', async () => {
    const kept = photoRecord();
    const dropped = photoRecord();
    const steps: string[] = [];
    let secondEnded = (): void => undefined;
    const overlapped = new Promise<void>((resolve) => (secondEnded = resolve));
    const first = repo.withTransaction(async (tx) => {
      steps.push('first begins');
      await tx.insertPhoto(dropped);
      // Held open while the second is asked for. On PostgreSQL until the second has run
      // beside it (however long a busy machine takes to connect; bounded, so one that
      // waited for this would fail, not hang; unref'd, so the bound does not hold the run
      // open once the test is over); SQLite runs one after the other.
      await (TEST_BACKEND === 'sqlite'
        ? sleep(20)
        : Promise.race([overlapped, sleep(30_000, undefined, { ref: false })]));
      steps.push('first ends');
      throw new Abandoned();
    });
    const second = repo.withTransaction(async (tx) => {
      steps.push('second begins');
      assert.equal(await tx.getPhoto(dropped.sha256), undefined);
      await tx.insertPhoto(kept);
      steps.push('second ends');
      secondEnded();
    });
    await assert.rejects(first, Abandoned);
    await second;
    // SQLite has one connection, so one transaction after the other; PostgreSQL
    // gives each its own connection, and they overlap without seeing each other.
    assert.deepEqual(
      steps,
      TEST_BACKEND === 'sqlite'
        ? ['first begins', 'first ends', 'second begins', 'second ends']
        : ['first begins', 'second begins', 'second ends', 'first ends'],
    );
    assert.equal(await repo.getPhoto(dropped.sha256), undefined);
    assert.deepEqual(await repo.getPhoto(kept.sha256), kept);
  });

  it('runs an operation asked for during a transaction after it, outside it', async () => {
    const inTx = photoRecord();
    const alone = photoRecord();
    let seen: PhotoRecord | undefined;
    const tx = repo.withTransaction(async (t) => {
      await t.insertPhoto(inTx);
      await sleep(20);
      throw new Abandoned();
    });
    // Neither sees the transaction's write nor is undone with it.
    const read = repo.getPhoto(inTx.sha256).then((r) => (seen = r));
    const write = repo.insertPhoto(alone);
    await assert.rejects(tx, Abandoned);
    await Promise.all([read, write]);
    assert.equal(seen, undefined);
    assert.deepEqual(await repo.getPhoto(alone.sha256), alone);
  });

  it('refuses a call on the repository from inside its own transaction rather than wait for ever', async () => {
    await assert.rejects(
      repo.withTransaction(() => repo.getPhoto('a'.repeat(64))),
      /use the transaction it was given/,
    );
    await assert.rejects(
      repo.withTransaction(() => repo.withTransaction(async () => undefined)),
      /use the transaction it was given/,
    );
    // The repository is still usable.
    assert.equal(await repo.getPhoto('a'.repeat(64)), undefined);
  });

  it('refuses a transaction used after it ended', async () => {
    const tx = await repo.withTransaction(async (t) => t);
    await assert.rejects(tx.getPhoto('a'.repeat(64)), /after it ended/);
  });

  it('answers an insert of a key already held with the row held, changing nothing', async () => {
    const photo = photoRecord();
    assert.deepEqual(await repo.insertPhoto(photo), { inserted: true, stored: photo });
    const later = { ...photo, createdAt: '2026-11-21T00:00:00.000Z' };
    assert.deepEqual(await repo.insertPhoto(later), { inserted: false, stored: photo });

    const payload = canonicalPayload(validPayload([]));
    const first = await repo.insertSubmission({ payload, contentHash: 'h1', receivedAt: NOW, sentBy: null });
    assert.equal(first.inserted, true);
    const again = await repo.insertSubmission({
      payload,
      contentHash: 'h2',
      receivedAt: 'later',
      sentBy: null,
    });
    assert.deepEqual(again, { inserted: false, stored: first.stored });

    const form = { formId: 'f', version: 1, definition: '{"a":1}', publishedAt: NOW };
    assert.deepEqual(await repo.insertPublishedForm(form), { inserted: true, stored: form });
    const changed = { ...form, definition: '{"a":2}', publishedAt: 'later' };
    assert.deepEqual(await repo.insertPublishedForm(changed), { inserted: false, stored: form });
    assert.deepEqual(await repo.getPublishedForm('f', 1), form);
    assert.equal(await repo.getPublishedForm('f', 2), undefined);
  });

  it('keeps revisions of the reference data: the highest is current, a number already held keeps its row', async () => {
    assert.equal(await repo.currentReferenceHead(), undefined);
    const first = revision(1, '{"forms":[]}');
    const second = revision(2, '{"forms":[],"lists":{}}');
    assert.deepEqual(await repo.insertReferenceRevision(first), { inserted: true, stored: first });
    assert.deepEqual(await repo.insertReferenceRevision(second), { inserted: true, stored: second });
    assert.deepEqual(await repo.currentReferenceHead(), { revision: 2, etag: second.etag });
    assert.deepEqual(await repo.getReferenceRevision(1), first);
    assert.equal(await repo.getReferenceRevision(3), undefined);
    assert.deepEqual(await repo.insertReferenceRevision(revision(2, '{}')), {
      inserted: false,
      stored: second,
    });
  });

  it('holds a second publisher at the lock until the first has ended, then shows it what the first recorded', async () => {
    const steps: string[] = [];
    let locked = (): void => undefined;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    const publish = (name: string, after?: () => void) =>
      repo.withTransaction(async (tx) => {
        await tx.lockReferenceRevisions();
        steps.push(`${name} locked`);
        after?.();
        const head = await tx.currentReferenceHead();
        // A real wait: the second publisher is asked for meanwhile.
        await sleep(20);
        const { inserted } = await tx.insertReferenceRevision(revision((head?.revision ?? 0) + 1, name));
        steps.push(`${name} recorded`);
        return inserted;
      });
    const first = publish('first', locked);
    await firstLocked;
    const second = publish('second');
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.deepEqual(steps, ['first locked', 'first recorded', 'second locked', 'second recorded']);
  });

  it('gives a resend no number: the next new submission takes the next one', async () => {
    const payload = canonicalPayload(validPayload([]));
    const first = await repo.insertSubmission({ payload, contentHash: 'h', receivedAt: NOW, sentBy: null });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await repo.insertSubmission({ payload, contentHash: 'h', receivedAt: NOW, sentBy: null })).inserted,
        false,
      );
    const next = await repo.insertSubmission({
      payload: validPayload([]),
      contentHash: 'h',
      receivedAt: NOW,
      sentBy: null,
    });
    assert.equal(next.stored.receipt.seq, first.stored.receipt.seq + 1);
  });

  it('stores a submission with its photo links or not at all: the photos must be recorded first', async () => {
    const bytes = fakePhoto();
    const payload = validPayload([photoRef(bytes)]);
    await assert.rejects(
      repo.insertSubmission({ payload, contentHash: 'h', receivedAt: NOW, sentBy: null }),
      /foreign key/i,
    );
    assert.equal(await repo.getSubmission(payload.id), undefined);
    await repo.insertPhoto({
      sha256: sha256Hex(bytes),
      bytes: bytes.length,
      type: 'image/jpeg',
      createdAt: NOW,
    });
    assert.equal(
      (await repo.insertSubmission({ payload, contentHash: 'h', receivedAt: NOW, sentBy: null })).inserted,
      true,
    );
  });

  it('pages submissions newest first and says below which seq the next page starts', async () => {
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { stored } = await repo.insertSubmission({
        payload: validPayload([]),
        contentHash: 'h',
        receivedAt: NOW,
        sentBy: null,
      });
      seqs.push(stored.receipt.seq);
    }
    const newest = seqs.slice().reverse();
    const first = await repo.listSubmissions(null, 3);
    assert.deepEqual(
      first.items.map((s) => s.receipt.seq),
      newest.slice(0, 3),
    );
    assert.equal(first.nextBefore, newest[2]);
    const below = await repo.listSubmissions(newest[3]!, 100);
    assert.ok(below.items.every((s) => s.receipt.seq < newest[3]!));
    assert.equal(below.nextBefore, null);
  });

  it('lists in commit order: a cursor misses nothing when inserts from several connections overlap', async () => {
    const seen = new Set((await repo.listSubmissions(null, 1000)).items.map((s) => s.receipt.id));
    const newSubmission = () => ({
      payload: validPayload([]),
      contentHash: 'h',
      receivedAt: NOW,
      sentBy: null,
    });
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let insertedHeld = (): void => undefined;
    const heldInserted = new Promise<void>((resolve) => (insertedHeld = resolve));
    // Inserted first, committed last.
    const slow = repo.withTransaction(async (tx) => {
      const inserted = await tx.insertSubmission(newSubmission());
      insertedHeld();
      await held;
      return inserted;
    });
    await heldInserted;
    const others = Array.from({ length: 6 }, () => repo.insertSubmission(newSubmission()));
    // A reader pages while the slow one is open, as a client polling would.
    const early = repo.listSubmissions(null, 1000);
    await sleep(50);
    release();
    const all = await Promise.all([slow, ...others]);
    const newest = Math.max(...(await early).items.map((s) => s.receipt.seq), 0);

    // The client then fetches what is newer than the newest it saw, a page at a time...
    const later: string[] = [];
    for (let before: number | null = null; ;) {
      const page = await repo.listSubmissions(before, 2);
      const fresh = page.items.filter((s) => s.receipt.seq > newest);
      later.push(...fresh.map((s) => s.receipt.id));
      if (page.nextBefore === null || fresh.length < page.items.length) break;
      before = page.nextBefore;
    }
    // ...and has every new submission exactly once.
    const got = [...(await early).items.map((s) => s.receipt.id).filter((id) => !seen.has(id)), ...later];
    assert.deepEqual(got.slice().sort(), all.map((i) => i.stored.receipt.id).sort());
    assert.equal(new Set(got).size, got.length);
  });
  it('rolls back a transaction that fails among others asked for at once, and only it', async () => {
    const [a, b, c] = [photoRecord(), photoRecord(), photoRecord()];
    let aSettled = false;
    let aSettledWhenCRan: boolean | null = null;
    const first = repo.withTransaction((tx) => tx.insertPhoto(a));
    void first.finally(() => (aSettled = true));
    const failing = repo.withTransaction(async (tx) => {
      await tx.insertPhoto(b);
      throw new Abandoned();
    });
    const third = repo.withTransaction(async (tx) => {
      aSettledWhenCRan = aSettled;
      return tx.insertPhoto(c);
    });
    await assert.rejects(failing, Abandoned);
    assert.deepEqual((await first).stored, a);
    assert.deepEqual((await third).stored, c);
    assert.equal(await repo.getPhoto(b.sha256), undefined);
    assert.deepEqual(await repo.getPhoto(a.sha256), a);
    assert.deepEqual(await repo.getPhoto(c.sha256), c);
    // On SQLite the three share one commit: the first is not acknowledged before the last has run.
    if (TEST_BACKEND === 'sqlite') assert.equal(aSettledWhenCRan, false);
  });

  it('refuses a transaction used after its fn ended, even while its commit is still to come', async () => {
    let first: RepositoryTx | undefined;
    let endFirst = (): void => undefined;
    const firstEnded = new Promise<void>((resolve) => (endFirst = resolve));
    const one = repo.withTransaction((tx) => {
      first = tx;
      const done = Promise.resolve(photoRecord());
      void done.then(endFirst);
      return done;
    });
    const two = repo.withTransaction(async () => {
      await firstEnded;
      // A turn later: its fn has ended everywhere; on SQLite the shared commit is still to come.
      await nextTurn();
      return first!.insertPhoto(photoRecord());
    });
    await one;
    await assert.rejects(two, /after it ended/);
  });
  it('numbers concurrent inserts apart, and never lists a lower seq after a higher one', async () => {
    const ours = new Set<string>();
    let done = false;
    // Each holds its transaction open a few turns after its insert, so commits overlap and reorder.
    const inserts = Array.from({ length: 40 }, (_, n) => {
      const holdTurns = (n * 7) % 6;
      return repo.withTransaction(async (tx) => {
        const inserted = await tx.insertSubmission({
          payload: validPayload([]),
          contentHash: 'h',
          receivedAt: NOW,
          sentBy: null,
        });
        ours.add(inserted.stored.receipt.id);
        for (let i = 0; i < holdTurns; i++) await nextTurn();
        return inserted.stored.receipt;
      });
    });
    const settled: number[] = [];
    for (const p of inserts) void p.then((r) => settled.push(r.seq));
    const all = Promise.all(inserts).finally(() => (done = true));

    let seen = new Set<number>();
    let highest = 0;
    let listings = 0;
    const check = async (): Promise<void> => {
      const page = await repo.listSubmissions(null, 1000);
      const now = new Set(page.items.filter((s) => ours.has(s.receipt.id)).map((s) => s.receipt.seq));
      for (const seq of seen) assert.ok(now.has(seq), `seq ${seq} was listed, then no longer`);
      for (const seq of now)
        if (!seen.has(seq)) assert.ok(seq > highest, `seq ${seq} turned up below ${highest}`);
      seen = now;
      highest = Math.max(highest, ...now);
      listings++;
    };
    while (!done) await check();
    await check();

    const receipts = await all;
    const seqs = receipts.map((r) => r.seq);
    assert.equal(new Set(seqs).size, seqs.length);
    assert.deepEqual(
      [...seen].sort((x, y) => x - y),
      [...seqs].sort((x, y) => x - y),
    );
    assert.ok(listings > 1);
    // SQLite commits in seq order: a batch's transactions are acknowledged in the order they ran.
    if (TEST_BACKEND === 'sqlite')
      assert.deepEqual(
        settled,
        [...settled].sort((x, y) => x - y),
      );
  });
});

describe(`moving records between repositories (${TEST_BACKEND})`, () => {
  let store: TestStore;
  let repo: Repository;
  before(async () => {
    store = await freshStore('import');
    repo = await openRepository(store);
    await repo.migrate();
  });
  after(async () => {
    await repo.close();
    await removeStore(store);
  });

  it('lists photo records by sha256, a page at a time', async () => {
    const photos = Array.from({ length: 5 }, photoRecord);
    for (const photo of photos) await repo.insertPhoto(photo);
    const paged: PhotoRecord[] = [];
    for (let page = await repo.listPhotos(null, 2); page.length > 0;) {
      assert.ok(page.length <= 2);
      paged.push(...page);
      page = await repo.listPhotos(page[page.length - 1]!.sha256, 2);
    }
    assert.deepEqual(
      paged,
      photos.sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)),
    );
  });

  it('imports a submission under its own receipt, once, and numbers later ones past it', async () => {
    const photo = photoRecord();
    await repo.insertPhoto(photo);
    const payload = canonicalPayload(
      validPayload([{ ...photoRef(fakePhoto()), sha256: photo.sha256, bytes: photo.bytes }]),
    );
    const moved = {
      receipt: { id: payload.id, receivedAt: NOW, seq: 5000 },
      contentHash: 'h',
      payload,
      sentBy: null,
    };
    assert.deepEqual(await repo.importSubmission(moved), { inserted: true, stored: moved });
    assert.deepEqual(await repo.getSubmission(payload.id), moved);
    // Again, as a rerun would: the row held, unchanged.
    const again = { ...moved, receipt: { ...moved.receipt, seq: 5001 }, contentHash: 'other' };
    assert.deepEqual(await repo.importSubmission(again), { inserted: false, stored: moved });

    // Another submission cannot take a seq already held.
    const other = canonicalPayload(validPayload([]));
    await assert.rejects(
      repo.importSubmission({ ...moved, receipt: { ...moved.receipt, id: other.id }, payload: other }),
      /cannot take seq 5000: another holds it/,
    );
    assert.equal(await repo.getSubmission(other.id), undefined);

    // Its photo links hold as an inserted submission's do: the photos must be recorded.
    const unrecorded = canonicalPayload(validPayload([photoRef(fakePhoto())]));
    await assert.rejects(
      repo.importSubmission({
        receipt: { id: unrecorded.id, receivedAt: NOW, seq: 4000 },
        contentHash: 'h',
        sentBy: null,
        payload: unrecorded,
      }),
      /foreign key/i,
    );

    const next = await repo.insertSubmission({
      payload: validPayload([]),
      contentHash: 'h',
      receivedAt: NOW,
      sentBy: null,
    });
    assert.ok(next.stored.receipt.seq > 5000, `seq ${next.stored.receipt.seq}`);
  });
});

describe(`a store opened to read (${TEST_BACKEND})`, () => {
  it('refuses every write, and nothing of it is kept', async () => {
    const store = await freshStore('to-read');
    await closeStores(await openStores({ ...store, photoMaxBytes: 1024 }));
    const stores = await openStoresToRead({ ...store, photoMaxBytes: 1024 });
    try {
      const photo = photoRecord();
      await assert.rejects(stores.repository.insertPhoto(photo), /read-?only/i);
      assert.equal(await stores.repository.getPhoto(photo.sha256), undefined);
      const payload = canonicalPayload(validPayload([]));
      await assert.rejects(
        stores.repository.importSubmission({
          receipt: { id: payload.id, receivedAt: NOW, seq: 1 },
          contentHash: 'h',
          sentBy: null,
          payload,
        }),
        /read-?only/i,
      );
      if (!store.photoStore)
        await assert.rejects(
          stores.photos.receive(Readable.from([fakePhoto()]), 'a'.repeat(64)),
          /read only/,
        );
    } finally {
      await closeStores(stores);
      await removeStore(store);
    }
  });

  it('refuses a database its migrations have not reached, and creates none', async () => {
    const store = await freshStore('not-migrated');
    try {
      if (!store.databaseUrl) {
        await assert.rejects(
          openStoresToRead({ ...store, photoMaxBytes: 1024 }),
          /There is no Fieldsync database at .*fieldsync\.db/,
        );
        assert.deepEqual(readdirSync(store.dataDir), []);
        // A file a server created but never migrated.
        openDatabase(store.dataDir).close();
      }
      await assert.rejects(
        openStoresToRead({ ...store, photoMaxBytes: 1024 }),
        /lacks migrations 0001-init\.sql(, [^:]+)?: start this version of the server on it once/,
      );
    } finally {
      await removeStore(store);
    }
  });
});
