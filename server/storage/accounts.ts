import type { Role } from '../../shared/accounts.js';
import type { Inserted } from './repository.js';

/** A supervisor or administrator as stored. */
export interface UserRecord {
  id: string;
  username: string;
  /** The username folded for comparison (usernameKey in server/auth/users.ts); unique. */
  usernameKey: string;
  /** scrypt, with its parameters and salt (server/auth/passwords.ts). */
  passwordHash: string;
  role: Role;
  formIds: string[] | null;
  createdAt: string;
  disabledAt: string | null;
}

/** What an update of a user sets; what is left out stays. */
export type UserChange = Partial<Pick<UserRecord, 'passwordHash' | 'role' | 'formIds' | 'disabledAt'>>;

/** A signed-in browser. */
export interface SessionRecord {
  /** SHA-256 (hex) of the token in the session cookie. */
  tokenHash: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string;
  /** The absolute end, whatever the use. */
  expiresAt: string;
}

/** A device, from the moment its enrollment code is made. */
export interface DeviceRecord {
  id: string;
  name: string;
  kiosk: boolean;
  formIds: string[] | null;
  /** SHA-256 (hex) of the credential in its cookie; null until it enrolls. */
  credentialHash: string | null;
  /** SHA-256 (hex) of its one-time enrollment code. */
  enrollmentCodeHash: string;
  enrollmentExpiresAt: string;
  createdAt: string;
  enrolledAt: string | null;
  lastSeenAt: string | null;
  appVersion: string | null;
  revokedAt: string | null;
  /**
   * The id the browser made for itself (the payload's deviceId), as it said
   * when it enrolled; null before that, or from apps that did not say.
   */
  installationId: string | null;
}

/** A one-time token of the set-up link. */
export interface SetupTokenRecord {
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** Failed sign-ins of one username since the count last started again. */
export interface SignInFailures {
  usernameKey: string;
  failures: number;
  lastFailedAt: string;
}

/**
 * The repository's operations on accounts, devices and their credentials.
 * Unlike submissions, these rows change, by the operations that say so.
 * Times are ISO 8601 strings in UTC with milliseconds (toISOString), so
 * comparing them as text compares them as times; the caller gives every
 * time, so a test can drive the clock.
 */
export interface AccountsTx {
  /** Insert-if-absent on the id and on the username: stored is the row holding either. */
  insertUser(user: UserRecord): Promise<Inserted<UserRecord>>;
  getUser(id: string): Promise<UserRecord | undefined>;
  findUserByName(usernameKey: string): Promise<UserRecord | undefined>;
  /** Every user, by username. */
  listUsers(): Promise<UserRecord[]>;
  /** Sets what change gives; undefined when there is no such user. */
  updateUser(id: string, change: UserChange): Promise<UserRecord | undefined>;
  /** Whether an administrator who is not disabled exists. */
  hasAdministrator(): Promise<boolean>;

  /** Insert-if-absent on the token's hash. */
  insertSession(session: SessionRecord): Promise<Inserted<SessionRecord>>;
  getSession(tokenHash: string): Promise<SessionRecord | undefined>;
  /** Records a use of the session. */
  touchSession(tokenHash: string, at: string): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of the user; answers how many there were. */
  deleteUserSessions(userId: string): Promise<number>;
  /** Deletes the sessions last used before idleBefore, or whose absolute end is before now; answers how many. */
  deleteEndedSessions(idleBefore: string, now: string): Promise<number>;
  /** Every session, by token hash (for moving them elsewhere). */
  listSessions(): Promise<SessionRecord[]>;

  /** Insert-if-absent on the id (and on the hashes, which are random). */
  insertDevice(device: DeviceRecord): Promise<Inserted<DeviceRecord>>;
  getDevice(id: string): Promise<DeviceRecord | undefined>;
  findDeviceByCredential(credentialHash: string): Promise<DeviceRecord | undefined>;
  findDeviceByEnrollmentCode(codeHash: string): Promise<DeviceRecord | undefined>;
  /** Every device, newest first. */
  listDevices(): Promise<DeviceRecord[]>;
  /**
   * Enrolls the device whose code this is, giving it the credential, only
   * while the code is unused, unexpired at `at` and not revoked: of two
   * uses at once, one wins. Undefined when it did not.
   */
  enrollDevice(
    codeHash: string,
    credentialHash: string,
    at: string,
    installationId: string | null,
  ): Promise<DeviceRecord | undefined>;
  /** Marks the device revoked at `at` unless it already is; undefined when there is no such device. */
  revokeDevice(id: string, at: string): Promise<DeviceRecord | undefined>;
  /** Records a request of the device and the app version it reported. */
  touchDevice(id: string, at: string, appVersion: string | null): Promise<void>;

  /** Insert-if-absent on the token's hash. */
  insertSetupToken(token: SetupTokenRecord): Promise<Inserted<SetupTokenRecord>>;
  getSetupToken(tokenHash: string): Promise<SetupTokenRecord | undefined>;
  /**
   * Uses the token, and with it every other unused one: true when this one
   * was unused and unexpired at `at`. Of two tokens used at once, one wins.
   */
  useSetupToken(tokenHash: string, at: string): Promise<boolean>;
  /** Every set-up token, by hash (for moving them elsewhere). */
  listSetupTokens(): Promise<SetupTokenRecord[]>;

  /**
   * Counts a failed sign-in of the username at `at`, starting the count
   * again when the last failure came before forgetBefore; answers the count.
   * Rows of other usernames whose last failure came before it are dropped.
   */
  recordSignInFailure(usernameKey: string, at: string, forgetBefore: string): Promise<SignInFailures>;
  getSignInFailures(usernameKey: string): Promise<SignInFailures | undefined>;
  clearSignInFailures(usernameKey: string): Promise<void>;
  /** Every count, by username key (for moving them elsewhere). */
  listSignInFailures(): Promise<SignInFailures[]>;
  /** Insert-if-absent on the username key (for moving counts elsewhere). */
  insertSignInFailures(row: SignInFailures): Promise<Inserted<SignInFailures>>;
}
