import type { Repository, RepositoryTx } from '../repository.js';
import { checkMigrated, migrate, openDatabase, openDatabaseToRead } from './database.js';
import { GroupCommit } from './group-commit.js';
import { sqliteOperations, type SyncOperations } from './statements.js';

/** The operations as promises, each run by run. */
function lift(ops: () => SyncOperations, run: <T>(work: () => T) => Promise<T>): RepositoryTx {
  return {
    getPhoto: (sha256) => run(() => ops().getPhoto(sha256)),
    insertPhoto: (photo) => run(() => ops().insertPhoto(photo)),
    getSubmission: (id) => run(() => ops().getSubmission(id)),
    insertSubmission: (submission) => run(() => ops().insertSubmission(submission)),
    listSubmissions: (before, limit) => run(() => ops().listSubmissions(before, limit)),
    listPublishedForms: () => run(() => ops().listPublishedForms()),
    getPublishedForm: (formId, version) => run(() => ops().getPublishedForm(formId, version)),
    insertPublishedForm: (form) => run(() => ops().insertPublishedForm(form)),
    lockReferenceRevisions: () => run(() => ops().lockReferenceRevisions()),
    currentReferenceHead: () => run(() => ops().currentReferenceHead()),
    getReferenceRevision: (revision) => run(() => ops().getReferenceRevision(revision)),
    insertReferenceRevision: (revision) => run(() => ops().insertReferenceRevision(revision)),
    listPhotos: (after, limit) => run(() => ops().listPhotos(after, limit)),
    importSubmission: (submission) => run(() => ops().importSubmission(submission)),
  };
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
  let prepared: SyncOperations | null = null;
  // Statements can only be prepared once the tables they name exist.
  const ops = (): SyncOperations => {
    if (!prepared) throw new Error('The database is not migrated yet: call migrate() first.');
    return prepared;
  };

  return {
    ...lift(ops, (work) => commits.transaction(work)),

    migrate: () =>
      commits.alone(() => {
        if (readOnly) checkMigrated(db);
        else migrate(db);
        prepared ??= sqliteOperations(db);
      }),

    withTransaction<T>(fn: (tx: RepositoryTx) => Promise<T>): Promise<T> {
      return commits.transaction(async () => {
        let open = true;
        const tx = lift(ops, <R>(work: () => R) =>
          open
            ? new Promise<R>((resolve) => resolve(work()))
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
