import type { Role } from '../../shared/accounts.js';
import type {
  DeviceRecord,
  SessionRecord,
  SetupTokenRecord,
  SignInFailures,
  UserChange,
  UserRecord,
} from './accounts.js';

// The account rows both dialects store, as their drivers hand them back, and what the repository makes of them.

export interface UserRow {
  id: string;
  username: string;
  username_key: string;
  password_hash: string;
  role: Role;
  form_ids: string | null;
  created_at: string;
  disabled_at: string | null;
}

export interface SessionRow {
  token_hash: string;
  user_id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
}

export interface DeviceRow {
  id: string;
  name: string;
  // better-sqlite3 answers 0 or 1; pg a boolean.
  kiosk: number | boolean;
  form_ids: string | null;
  credential_hash: string | null;
  enrollment_code_hash: string;
  enrollment_expires_at: string;
  created_at: string;
  enrolled_at: string | null;
  last_seen_at: string | null;
  app_version: string | null;
  revoked_at: string | null;
  installation_id: string | null;
}

export interface SetupTokenRow {
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SignInFailuresRow {
  username_key: string;
  failures: number;
  last_failed_at: string;
}

export const USER_COLUMNS =
  'id, username, username_key, password_hash, role, form_ids, created_at, disabled_at';
export const SESSION_COLUMNS = 'token_hash, user_id, created_at, last_used_at, expires_at';
export const DEVICE_COLUMNS =
  'id, name, kiosk, form_ids, credential_hash, enrollment_code_hash, enrollment_expires_at, created_at, enrolled_at, last_seen_at, app_version, revoked_at, installation_id';
export const SETUP_TOKEN_COLUMNS = 'token_hash, created_at, expires_at, used_at';
export const SIGN_IN_FAILURE_COLUMNS = 'username_key, failures, last_failed_at';

const formIdsOf = (text: string | null): string[] | null =>
  text === null ? null : (JSON.parse(text) as string[]);
export const formIdsText = (ids: string[] | null): string | null =>
  ids === null ? null : JSON.stringify(ids);

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    passwordHash: row.password_hash,
    role: row.role,
    formIds: formIdsOf(row.form_ids),
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

/** A user's values in the order of USER_COLUMNS. */
export function userValues(u: UserRecord): unknown[] {
  return [
    u.id,
    u.username,
    u.usernameKey,
    u.passwordHash,
    u.role,
    formIdsText(u.formIds),
    u.createdAt,
    u.disabledAt,
  ];
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
  };
}

/** A session's values in the order of SESSION_COLUMNS. */
export function sessionValues(s: SessionRecord): unknown[] {
  return [s.tokenHash, s.userId, s.createdAt, s.lastUsedAt, s.expiresAt];
}

export function toDevice(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    name: row.name,
    kiosk: Boolean(row.kiosk),
    formIds: formIdsOf(row.form_ids),
    credentialHash: row.credential_hash,
    enrollmentCodeHash: row.enrollment_code_hash,
    enrollmentExpiresAt: row.enrollment_expires_at,
    createdAt: row.created_at,
    enrolledAt: row.enrolled_at,
    lastSeenAt: row.last_seen_at,
    appVersion: row.app_version,
    revokedAt: row.revoked_at,
    installationId: row.installation_id,
  };
}

/** A device's values in the order of DEVICE_COLUMNS. */
export function deviceValues(d: DeviceRecord): unknown[] {
  return [
    d.id,
    d.name,
    d.kiosk,
    formIdsText(d.formIds),
    d.credentialHash,
    d.enrollmentCodeHash,
    d.enrollmentExpiresAt,
    d.createdAt,
    d.enrolledAt,
    d.lastSeenAt,
    d.appVersion,
    d.revokedAt,
    d.installationId,
  ];
}

export function toSetupToken(row: SetupTokenRow): SetupTokenRecord {
  return {
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

export function setupTokenValues(t: SetupTokenRecord): unknown[] {
  return [t.tokenHash, t.createdAt, t.expiresAt, t.usedAt];
}

export function toSignInFailures(row: SignInFailuresRow): SignInFailures {
  return { usernameKey: row.username_key, failures: Number(row.failures), lastFailedAt: row.last_failed_at };
}

/**
 * The SET clause of a user update and its values, in the order given,
 * placeholders numbered from 1 by placeholder.
 */
export function userChangeSet(
  change: UserChange,
  placeholder: (position: number) => string,
): { set: string; values: unknown[] } {
  const columns: [string, unknown][] = [];
  if (change.passwordHash !== undefined) columns.push(['password_hash', change.passwordHash]);
  if (change.role !== undefined) columns.push(['role', change.role]);
  if (change.formIds !== undefined) columns.push(['form_ids', formIdsText(change.formIds)]);
  if (change.disabledAt !== undefined) columns.push(['disabled_at', change.disabledAt]);
  return {
    set: columns.map(([name], i) => `${name} = ${placeholder(i + 1)}`).join(', '),
    values: columns.map(([, value]) => value),
  };
}
