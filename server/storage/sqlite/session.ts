import type Database from 'better-sqlite3';
import type { Session } from '../session.js';
import type { DB } from './database.js';

/** better-sqlite3 binds $1, $2… by name from an object, and booleans as 0 and 1. */
function bind(values: unknown[]): Record<number, unknown> {
  return Object.fromEntries(values.map((v, i) => [i + 1, typeof v === 'boolean' ? Number(v) : v]));
}

/**
 * A Session on the one SQLite connection, statements prepared once each.
 * Its caller (the repository's lane) keeps anything else off the
 * connection while its work runs; atomic() is a savepoint, which outside a
 * transaction is one of its own.
 */
export function sqliteSession(db: DB): Session {
  const prepared = new Map<string, Database.Statement>();
  const statement = (text: string): Database.Statement => {
    let found = prepared.get(text);
    if (!found) {
      found = db.prepare(text);
      prepared.set(text, found);
    }
    return found;
  };
  const session: Session = {
    async query<R>(text: string, values: unknown[] = []) {
      const s = statement(text);
      const params = values.length === 0 ? [] : [bind(values)];
      if (s.reader) return s.all(...params) as R[];
      s.run(...params);
      return [];
    },
    async atomic(fn) {
      db.exec('SAVEPOINT account_unit');
      try {
        const result = await fn(session);
        db.exec('RELEASE account_unit');
        return result;
      } catch (err) {
        db.exec('ROLLBACK TO account_unit');
        db.exec('RELEASE account_unit');
        throw err;
      }
    },
  };
  return session;
}
