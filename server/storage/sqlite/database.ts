import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PROJECT_ROOT } from '../../paths.js';
import { canonicalContentHash } from './migrations/0003-canonical-content-hash.js';

export type DB = Database.Database;

/** Where the numbered migrations live; .sql files are not compiled, so they are read from the source tree. */
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'server', 'storage', 'sqlite', 'migrations');

export interface Migration {
  version: number;
  name: string;
  /** Runs inside the migration's transaction. */
  apply(db: DB): void;
}

/**
 * The migrations written in code, for what SQL cannot compute (hashes), by
 * file name. Each file sits beside the .sql ones in the same numbering, so
 * the directory still gives the order and shows a gap; the code itself runs
 * compiled, from here.
 */
const CODE_MIGRATIONS: Readonly<Record<string, (db: DB) => void>> = {
  '0003-canonical-content-hash.ts': canonicalContentHash,
};

const MIGRATION_FILE_RE = /^(\d{4})-[a-z0-9-]+\.(sql|ts)$/;

function readMigration(dir: string, name: string): Migration {
  const match = MIGRATION_FILE_RE.exec(name);
  if (!match?.[1]) throw new Error(`Migration ${join(dir, name)}: name it NNNN-words.sql or NNNN-words.ts.`);
  const version = Number(match[1]);
  if (match[2] === 'sql') {
    const sql = readFileSync(join(dir, name), 'utf8');
    return { version, name, apply: (db) => db.exec(sql) };
  }
  const apply = CODE_MIGRATIONS[name];
  if (!apply)
    throw new Error(
      `Migration ${join(dir, name)}: list it in CODE_MIGRATIONS in server/storage/sqlite/database.ts.`,
    );
  return { version, name, apply };
}

/** The migrations in dir, in order. Numbers must run 1, 2, 3... so a lost file is noticed. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((name) => name.endsWith('.sql') || name.endsWith('.ts'))
    .map((name) => readMigration(dir, name))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name}: expected number ${i + 1}.`);
  });
  return migrations;
}

/**
 * Applies the migrations not yet recorded, each in its own transaction with
 * its record. Whether one is recorded is asked again inside its transaction:
 * a second server starting on the same file at the same moment waits for the
 * first one's transaction, then skips what it applied.
 */
export function migrate(db: DB, migrations: Migration[] = readMigrations()): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = db.prepare<[number]>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    db.transaction(() => {
      if (applied.get(m.version) !== undefined) return;
      m.apply(db);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}

/**
 * Opens dataDir/fieldsync.db (created when missing), not yet migrated.
 * synchronous=FULL because a receipt promises the device it may forget the
 * submission: the row must survive a power cut, not only a process crash.
 */
export function openDatabase(dataDir: string): DB {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'fieldsync.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another process (a backup, a second server by mistake) may hold the lock briefly.
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
