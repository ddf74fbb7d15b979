import type {
  DeviceRecord,
  SessionRecord,
  SetupTokenRecord,
  SignInFailures,
  UserRecord,
} from '../storage/accounts.js';
import type { Inserted, RepositoryTx } from '../storage/repository.js';

/**
 * One table of accounts, read whole: people, devices, live sessions,
 * set-up tokens and failure counts are hundreds of rows, not millions.
 */
export interface AccountTable<T> {
  /** How the table is named in the command's lines. */
  label: string;
  list(repo: RepositoryTx): Promise<T[]>;
  /** Insert-if-absent, answering the row held. */
  insert(repo: RepositoryTx, row: T): Promise<Inserted<T>>;
  key(row: T): string;
  /** How a row is named in messages. */
  name(row: T): string;
}

const users: AccountTable<UserRecord> = {
  label: 'users',
  list: (repo) => repo.listUsers(),
  insert: (repo, row) => repo.insertUser(row),
  key: (u) => u.id,
  name: (u) => `user "${u.username}" (${u.id})`,
};

const devices: AccountTable<DeviceRecord> = {
  label: 'devices',
  list: (repo) => repo.listDevices(),
  insert: (repo, row) => repo.insertDevice(row),
  key: (d) => d.id,
  name: (d) => `device "${d.name}" (${d.id})`,
};

const sessions: AccountTable<SessionRecord> = {
  label: 'sessions',
  list: (repo) => repo.listSessions(),
  insert: (repo, row) => repo.insertSession(row),
  key: (s) => s.tokenHash,
  name: (s) => `session ${s.tokenHash.slice(0, 12)}… of user ${s.userId}`,
};

const setupTokens: AccountTable<SetupTokenRecord> = {
  label: 'set-up links',
  list: (repo) => repo.listSetupTokens(),
  insert: (repo, row) => repo.insertSetupToken(row),
  key: (t) => t.tokenHash,
  name: (t) => `set-up token ${t.tokenHash.slice(0, 12)}…`,
};

const signInFailures: AccountTable<SignInFailures> = {
  label: 'sign-in limits',
  list: (repo) => repo.listSignInFailures(),
  insert: (repo, row) => repo.insertSignInFailures(row),
  key: (f) => f.usernameKey,
  name: (f) => `failed sign-ins of "${f.usernameKey}"`,
};

/**
 * Every table of accounts, in the order they are copied: users before
 * their sessions, devices before the submissions that name their sender.
 */
export const ACCOUNT_TABLES = [
  users,
  devices,
  sessions,
  setupTokens,
  signInFailures,
] as readonly AccountTable<object>[];

/** The fields in which two rows differ; none when they are the same. */
export function rowDifferences(a: object, b: object): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const field = (row: object, k: string): string => JSON.stringify((row as Record<string, unknown>)[k]);
  return [...keys].filter((k) => field(a, k) !== field(b, k));
}

/** A table's rows on both sides, paired under their keys in key order. */
export async function pairRows<T>(
  table: AccountTable<T>,
  source: RepositoryTx,
  target: RepositoryTx,
): Promise<{ source: T | undefined; target: T | undefined }[]> {
  const bySide = async (repo: RepositoryTx) =>
    new Map((await table.list(repo)).map((r) => [table.key(r), r]));
  const [s, t] = [await bySide(source), await bySide(target)];
  return [...new Set([...s.keys(), ...t.keys()])].sort().map((k) => ({ source: s.get(k), target: t.get(k) }));
}
