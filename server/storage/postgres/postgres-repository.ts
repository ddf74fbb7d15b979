import type pg from 'pg';
import { ReentryGuard } from '../reentry-guard.js';
import { REPOSITORY_OPERATIONS, type Repository, type RepositoryTx } from '../repository.js';
import { PostgresChanges } from './postgres-changes.js';
import { checkMigrated, inTransaction, migrate, openPool, openPoolToRead } from './database.js';
import { postgresOperations, type Session } from './statements.js';

const statementNames = new Map<string, string>();

/**
 * A statement under a name of its own, the same for the same text: each
 * connection then parses and plans it once, not on every call, which
 * halves what PostgreSQL spends on an insert.
 */
function prepared(text: string, values?: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `fieldsync_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/**
 * A session on one connection inside its transaction, refused once the
 * transaction has ended: nested units are savepoints.
 */
function txSession(client: pg.PoolClient, isOpen: () => boolean): Session {
  const session: Session = {
    async query<R>(text: string, values?: unknown[]) {
      if (!isOpen()) throw new Error('A transaction was used after it ended.');
      return (await client.query(prepared(text, values))).rows as R[];
    },
    async atomic(fn) {
      await session.query('SAVEPOINT unit');
      try {
        const result = await fn(session);
        await session.query('RELEASE SAVEPOINT unit');
        return result;
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT unit').catch(() => undefined);
        throw err;
      }
    },
  };
  return session;
}

/**
 * The repository on the PostgreSQL database at url, with up to poolSize
 * connections (see server/storage/postgres/database.ts for durability and
 * migrations). Each transaction runs on a connection of its own from the
 * pool, BEGIN … COMMIT or ROLLBACK around the awaited fn, so transactions
 * in flight at once never share one, and nothing makes them wait for one
 * another's commit (see migration 0003 for how seq keeps its order); an
 * operation on its own is one statement on any free connection. With
 * readOnly, every transaction is read only and migrate() only checks that
 * the database is up to date.
 */
export function openPostgresRepository(
  url: string,
  { readOnly = false, poolSize }: { readOnly?: boolean; poolSize?: number } = {},
): Repository {
  const pool = readOnly ? openPoolToRead(url) : openPool(url, poolSize);
  const guard = new ReentryGuard();
  const changes = new PostgresChanges(url, pool);
  const inFlight = new Set<Promise<unknown>>();

  /** Runs work unless called from inside a transaction of this repository, and remembers it until it settles. */
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    const refused = guard.refusal();
    if (refused) return Promise.reject(refused);
    const running = work();
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    return running;
  };

  /** fn's statements as one transaction on a connection of their own; its session refuses use after the end. */
  const transaction = async <T>(fn: (session: Session) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let open = true;
    let failed = false;
    try {
      return await inTransaction(client, async () => {
        try {
          return await fn(txSession(client, () => open));
        } finally {
          // Ended as fn settles: a call made later would run after the COMMIT, outside the transaction.
          open = false;
        }
      });
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // A connection whose transaction failed may be broken: the pool replaces it.
      client.release(failed);
    }
  };

  const ops = postgresOperations({
    query: async <R>(text: string, values?: unknown[]) =>
      (await pool.query(prepared(text, values))).rows as R[],
    atomic: transaction,
  });

  const operations: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of REPOSITORY_OPERATIONS) {
    operations[name] = (...args) =>
      track(() => (ops[name] as (...a: unknown[]) => Promise<unknown>)(...args));
  }

  return {
    ...(operations as unknown as RepositoryTx),
    changes,
    migrate: () => track(() => (readOnly ? checkMigrated(pool, url) : migrate(pool))),
    withTransaction: (fn) =>
      track(() => transaction((session) => guard.within(() => fn(postgresOperations(session))))),
    async close() {
      while (inFlight.size > 0) await Promise.all(inFlight);
      await changes.close();
      await pool.end();
    },
  };
}
