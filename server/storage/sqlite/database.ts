import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PROJECT_ROOT } from '../../paths.js';
import {
  checkApplied,
  readMigrationFiles,
  SCHEMA_MIGRATIONS_DDL,
  type Migration as FileMigration,
} from '../migration-files.js';
import { canonicalContentHash } from './migrations/0003-canonical-content-hash.js';

export type DB = Database.Database;

/** Where the numbered migrations live; .sql files are not compiled, so they are read from the source tree. */
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'server', 'storage', 'sqlite', 'migrations');

export type Migration = FileMigration<(db: DB) => void>;

/**
 * The migrations written in code, for what SQL cannot compute (hashes), by
 * file name.
 */
const CODE_MIGRATIONS: Readonly<Record<string, (db: DB) => void>> = {
  '0003-canonical-content-hash.ts': canonicalContentHash,
};

/** The migrations in dir, in order, gap-checked. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readMigrationFiles(dir, {
    fromSql: (sql) => (db) => db.exec(sql),
    code: CODE_MIGRATIONS,
    codeListedIn: 'server/storage/sqlite/database.ts',
  });
}

/**
 * Applies the migrations not yet recorded, each in its own transaction with
 * its record. Whether one is recorded is asked again inside its transaction:
 * a second server starting on the same file at the same moment waits for the
 * first one's transaction, then skips what it applied.
 */
export function migrate(db: DB, migrations: Migration[] = readMigrations()): void {
  db.exec(SCHEMA_MIGRATIONS_DDL);
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
 * The WAL is copied back into the database every 10,000 pages (40 MB)
 * rather than SQLite's 1,000: the copy runs inside a commit, and the
 * random ids' index pages, rewritten commit after commit, are then copied
 * once where they would have been copied ten times.
 */
export function openDatabase(dataDir: string): DB {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'fieldsync.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('foreign_keys = ON');
    // Another process (a backup, a second server by mistake) may hold the lock briefly.
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Opens dataDir/fieldsync.db to read only, for copying it elsewhere:
 * nothing is created, not even the file, and every write is refused.
 */
export function openDatabaseToRead(dataDir: string): DB {
  const file = join(dataDir, 'fieldsync.db');
  if (!existsSync(file)) throw new Error(`There is no Fieldsync database at ${file}.`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Refuses a database opened to read only whose applied migrations are not exactly these. */
export function checkMigrated(db: DB, migrations: Migration[] = readMigrations()): void {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const applied = hasTable
    ? db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all()
    : [];
  checkApplied(applied, migrations, db.name);
}
