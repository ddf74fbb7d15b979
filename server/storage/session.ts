/**
 * Where statements run: a connection, in or out of a transaction. SQL is
 * written with PostgreSQL's numbered placeholders ($1, $2…), which SQLite
 * reads as well.
 */
export interface Session {
  /** The rows a statement answers (those of RETURNING, for a write); none for a write without it. */
  query<R>(text: string, values?: unknown[]): Promise<R[]>;
  /** Runs fn as one unit: a transaction of its own, or a savepoint inside the one under way. */
  atomic<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}
