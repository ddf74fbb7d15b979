import type { AccountsTx } from '../accounts.js';
import { accountOperations } from '../account-operations.js';
import { LocalChanges } from '../changes.js';
import { outboxReportOperations, type OutboxReportsTx } from '../outbox-reports.js';
import { reviewOperations, type ReviewDialect } from '../review-operations.js';
import type { ReviewsTx } from '../reviews.js';
import { REPOSITORY_OPERATIONS, type Repository, type RepositoryTx } from '../repository.js';
import { checkMigrated, migrate, openDatabase, openDatabaseToRead, type DB } from './database.js';
import { GroupCommit } from './group-commit.js';
import { sqliteSession } from './session.js';
import { sqliteOperations, type SyncOperations } from './statements.js';

/** The operations on records (run synchronously), and on accounts and reviews (through a session). */
type Operations = SyncOperations & AccountsTx & ReviewsTx & OutboxReportsTx;

/** One writer commits in order, and AUTOINCREMENT numbers above every id held. */
const SQLITE_REVIEWS: ReviewDialect = {
  lock: async () => undefined,
  afterImport: async () => undefined,
  // Every committed seq is listable: the single writer commits in seq order.
  ceiling: async () => Number.MAX_SAFE_INTEGER,
  inList: (column, param) => `${column} IN (SELECT value FROM json_each(${param}))`,
  bindList: (list) => JSON.stringify(list),
  // LIKE is case-insensitive for ASCII; a choice list's array is matched in its JSON text.
  location: "json_extract(s.payload, '$.location')",
  answersMatch: (param, codes) =>
    `EXISTS (SELECT 1 FROM json_each(s.payload, '$.answers') a WHERE a.value LIKE ${param} ESCAPE '\\'${
      codes === null
        ? ''
        : ` OR a.value IN (SELECT value FROM json_each(${codes}))
            OR (a.type = 'array' AND EXISTS (SELECT 1 FROM json_each(a.value) m
                WHERE m.value IN (SELECT value FROM json_each(${codes}))))`
    })`,
};

function operations(db: DB): Operations {
  const session = sqliteSession(db);
  return {
    ...sqliteOperations(db),
    ...accountOperations(session),
    ...reviewOperations(session, SQLITE_REVIEWS),
    ...outboxReportOperations(session, SQLITE_REVIEWS),
  };
}

/** The operations as promises, each run by run. */
function lift(ops: () => Operations, run: (work: () => unknown) => Promise<unknown>): RepositoryTx {
  const lifted: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of REPOSITORY_OPERATIONS) {
    lifted[name] = (...args) => run(() => (ops()[name] as (...a: unknown[]) => unknown)(...args));
  }
  return lifted as unknown as RepositoryTx;
}

/**
 * The repository on DATA_DIR/fieldsync.db (see server/storage/sqlite/database.ts
 * for its settings and migrations). Everything runs on one connection, one
 * piece at a time, through GroupCommit: a transaction is fn awaited in a
 * savepoint of a BEGIN IMMEDIATE … COMMIT that the transactions queued
 * with it share, and an operation on its own is a transaction of its own,
 * so it never lands inside another. The IMMEDIATE lock also keeps out
 * another process writing the same file. With readOnly, the file must
 * exist, is never written, and migrate() only checks that it is up to date.
 */
export function openSqliteRepository(dataDir: string, { readOnly = false } = {}): Repository {
  const db = readOnly ? openDatabaseToRead(dataDir) : openDatabase(dataDir);
  const commits = new GroupCommit(db);
  let prepared: Operations | null = null;
  // Statements can only be prepared once the tables they name exist.
  const ops = (): Operations => {
    if (!prepared) throw new Error('The database is not migrated yet: call migrate() first.');
    return prepared;
  };

  return {
    ...lift(ops, (work) => commits.transaction(work)),
    // Only this process writes the file: its own signals are all there are.
    changes: new LocalChanges(),

    migrate: () =>
      commits.alone(() => {
        if (readOnly) checkMigrated(db);
        else migrate(db);
        prepared ??= operations(db);
      }),

    withTransaction<T>(fn: (tx: RepositoryTx) => Promise<T>): Promise<T> {
      return commits.transaction(async () => {
        let open = true;
        const tx = lift(ops, (work) =>
          open
            ? new Promise((resolve) => resolve(work()))
            : Promise.reject(new Error('A transaction was used after it ended.')),
        );
        try {
          return await fn(tx);
        } finally {
          open = false;
        }
      });
    },

    async close() {
      await commits.idle();
      db.close();
    },
  };
}
