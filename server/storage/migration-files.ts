import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One numbered schema change, applied by whatever `A` is for its database. */
export interface Migration<A> {
  version: number;
  name: string;
  /** Runs inside the migration's transaction. */
  apply: A;
}

/** How a dialect turns its migration files into something to apply. */
export interface MigrationReader<A> {
  /** A .sql file's text as an apply step. */
  fromSql(sql: string): A;
  /** The migrations written in code, by file name; a .ts file not listed here is refused. */
  code: Readonly<Record<string, A>>;
  /** Where code migrations are listed, for the message when one is missing. */
  codeListedIn: string;
}

const MIGRATION_FILE_RE = /^(\d{4})-[a-z0-9-]+\.(sql|ts)$/;

function readMigration<A>(dir: string, name: string, reader: MigrationReader<A>): Migration<A> {
  const match = MIGRATION_FILE_RE.exec(name);
  if (!match?.[1]) throw new Error(`Migration ${join(dir, name)}: name it NNNN-words.sql or NNNN-words.ts.`);
  const version = Number(match[1]);
  if (match[2] === 'sql')
    return { version, name, apply: reader.fromSql(readFileSync(join(dir, name), 'utf8')) };
  const apply = reader.code[name];
  if (apply === undefined)
    throw new Error(`Migration ${join(dir, name)}: list it in CODE_MIGRATIONS in ${reader.codeListedIn}.`);
  return { version, name, apply };
}

/**
 * The migrations in dir, in order. Numbers must run 1, 2, 3... so a lost
 * file is noticed. A code migration sits beside the .sql ones in the same
 * numbering, so the directory still gives the order and shows a gap; the
 * code itself runs compiled, from the reader's list.
 */
export function readMigrationFiles<A>(dir: string, reader: MigrationReader<A>): Migration<A>[] {
  const migrations = readdirSync(dir)
    .filter((name) => name.endsWith('.sql') || name.endsWith('.ts'))
    .map((name) => readMigration(dir, name, reader))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name}: expected number ${i + 1}.`);
  });
  return migrations;
}

/** The table both dialects record applied migrations in. */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/**
 * Throws unless exactly the migrations given are recorded as applied: for a
 * database opened to read only, which cannot be brought up to date.
 */
export function checkApplied(applied: number[], migrations: Migration<unknown>[], where: string): void {
  const known = migrations.map((m) => m.version);
  const missing = migrations.filter((m) => !applied.includes(m.version)).map((m) => m.name);
  const unknown = applied.filter((v) => !known.includes(v));
  if (unknown.length > 0)
    throw new Error(
      `${where} has migrations this version of Fieldsync does not know (${unknown.join(', ')}): use the version that wrote it.`,
    );
  if (missing.length > 0)
    throw new Error(
      `${where} lacks migrations ${missing.join(', ')}: start this version of the server on it once to bring it up to date.`,
    );
}
