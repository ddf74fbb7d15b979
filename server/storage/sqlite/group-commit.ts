import { ReentryGuard } from '../reentry-guard.js';
import type { DB } from './database.js';

/**
 * Transactions one commit takes at most. Each waits for the whole batch,
 * so a cap keeps the wait of the first one short under a flood.
 */
export const MAX_BATCH = 64;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Member {
  work: () => unknown;
  /** Runs on its own, outside any transaction (migrations, which make their own). */
  alone: boolean;
  settle(outcome: Outcome): void;
}

/**
 * Runs transactions on better-sqlite3's one connection, one at a time and
 * each to its end (awaits included), but lets those that queue up meanwhile
 * share one commit (group commit): a batch is BEGIN IMMEDIATE, then each
 * transaction in a savepoint of its own, then one COMMIT. A transaction
 * that fails is rolled back to its savepoint and leaves the others be.
 * Nothing is settled before the COMMIT returns: with synchronous=FULL that
 * is after the fsync, so a resolved transaction is on disk, and no answer
 * rests on a write that could yet be lost (a conflict with a row inserted
 * earlier in the batch, say). Should the batch not commit, every
 * transaction in it rejects.
 *
 * A transaction sees the writes of those before it in its batch, as it
 * would had they committed just before it; no other statement can slip
 * into it, since everything on the connection goes through here.
 */
export class GroupCommit {
  readonly #db: DB;
  readonly #guard = new ReentryGuard();
  readonly #queue: Member[] = [];
  /** The batch scheduled or under way; null when idle. */
  #running: Promise<void> | null = null;
  readonly #begin;
  readonly #commit;
  readonly #rollback;
  readonly #savepoint;
  readonly #release;
  readonly #rollbackTo;

  constructor(db: DB) {
    this.#db = db;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#savepoint = db.prepare('SAVEPOINT member');
    this.#release = db.prepare('RELEASE member');
    this.#rollbackTo = db.prepare('ROLLBACK TO member');
  }

  /**
   * Runs work as one transaction, in the next batch to commit, and settles
   * as it did once that batch has committed. Refused at once when called
   * from work running here: it would wait for the work that waits for it.
   */
  transaction<T>(work: () => Promise<T> | T): Promise<T> {
    return this.#enqueue(work, false);
  }

  /** Runs work outside any transaction, once the batches before it are done. */
  alone<T>(work: () => T): Promise<T> {
    return this.#enqueue(work, true);
  }

  /** Settles once everything queued so far has. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #enqueue<T>(work: () => Promise<T> | T, alone: boolean): Promise<T> {
    const refused = this.#guard.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        work,
        alone,
        settle: (o) => (o.ok ? resolve(o.value as T) : reject(o.error)),
      });
      this.#schedule();
    });
  }

  /**
   * Starts the next batch after the current turn of the event loop: the
   * requests that arrived together join it, rather than each committing alone.
   */
  #schedule(): void {
    if (this.#running) return;
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#next())
      .finally(() => {
        this.#running = null;
        if (this.#queue.length > 0) this.#schedule();
      });
  }

  async #next(): Promise<void> {
    const first = this.#queue[0];
    if (!first) return;
    if (first.alone) {
      this.#queue.shift();
      first.settle(await this.#attempt(first.work));
      return;
    }
    await this.#batch();
  }

  async #batch(): Promise<void> {
    const ran: { member: Member; outcome: Outcome }[] = [];
    let failed: Outcome | null = null;
    try {
      this.#begin.run();
    } catch (error) {
      // Nothing ran (another process holds the file's write lock, say): the batch it would have been is refused.
      for (let n = 0; n < MAX_BATCH; n++) {
        const member = this.#take();
        if (!member) break;
        member.settle({ ok: false, error });
      }
      return;
    }
    try {
      for (let member = this.#take(); member; member = ran.length < MAX_BATCH ? this.#take() : undefined) {
        const entry: { member: Member; outcome: Outcome } = {
          member,
          outcome: { ok: true, value: undefined },
        };
        ran.push(entry);
        this.#savepoint.run();
        entry.outcome = await this.#attempt(member.work);
        // A disk full or an I/O error can end the whole transaction, whatever savepoint was open.
        if (!this.#db.inTransaction)
          throw entry.outcome.ok ? new Error('The transaction ended early.') : entry.outcome.error;
        if (!entry.outcome.ok) this.#rollbackTo.run();
        this.#release.run();
      }
      this.#commit.run();
    } catch (error) {
      failed = { ok: false, error };
      try {
        if (this.#db.inTransaction) this.#rollback.run();
      } catch {
        // The error that ended the batch is the one to report.
      }
    }
    for (const { member, outcome } of ran) member.settle(failed ?? outcome);
  }

  /** The transaction at the front of the queue, unless the queue is empty or it holds work that runs alone. */
  #take(): Member | undefined {
    return this.#queue[0]?.alone === false ? this.#queue.shift() : undefined;
  }

  async #attempt(work: () => unknown): Promise<Outcome> {
    try {
      return { ok: true, value: await this.#guard.within(work) };
    } catch (error) {
      return { ok: false, error };
    }
  }
}
