import type { AccountsTx, DeviceRecord, SignInFailures, UserRecord } from './accounts.js';
import {
  DEVICE_COLUMNS,
  deviceValues,
  SESSION_COLUMNS,
  sessionValues,
  SETUP_TOKEN_COLUMNS,
  setupTokenValues,
  SIGN_IN_FAILURE_COLUMNS,
  toDevice,
  toSession,
  toSetupToken,
  toSignInFailures,
  toUser,
  USER_COLUMNS,
  userChangeSet,
  userValues,
  type DeviceRow,
  type SessionRow,
  type SetupTokenRow,
  type SignInFailuresRow,
  type UserRow,
} from './account-rows.js';
import type { Inserted } from './repository.js';
import { held } from './rows.js';
import type { Session } from './session.js';

/** $1, $2, … $n */
const placeholders = (n: number): string => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ');

/** Thrown inside atomic() to roll its unit back without an error reaching the caller. */
class Undo extends Error {}

/**
 * The account operations on a session, in SQL both SQLite and PostgreSQL
 * read. Inserts are insert-if-absent (ON CONFLICT DO NOTHING on any unique
 * key), answering the row held; the conditional updates (enrolling,
 * using a set-up token) decide in their WHERE clause, so of two requests at
 * once only one changes the row.
 */
export function accountOperations(session: Session): AccountsTx {
  const one = async <R, T>(text: string, values: unknown[], to: (row: R) => T): Promise<T | undefined> => {
    const [row] = await session.query<R>(text, values);
    return row && to(row);
  };
  const all = async <R, T>(text: string, to: (row: R) => T): Promise<T[]> =>
    (await session.query<R>(text)).map(to);
  /** Inserts unless a unique key is held, then reads back the row under key. */
  const insert = async <T>(
    table: string,
    columns: string,
    values: unknown[],
    wanted: T,
    find: () => Promise<T | undefined>,
  ): Promise<Inserted<T>> => {
    const rows = await session.query(
      `INSERT INTO ${table} (${columns}) VALUES (${placeholders(values.length)}) ON CONFLICT DO NOTHING RETURNING 1 AS inserted`,
      values,
    );
    if (rows.length === 1) return { inserted: true, stored: wanted };
    return { inserted: false, stored: held(await find(), `A row of ${table}`) };
  };

  const getUser = (id: string) =>
    one(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id], (r: UserRow) => toUser(r));
  const findUserByName = (key: string) =>
    one(`SELECT ${USER_COLUMNS} FROM users WHERE username_key = $1`, [key], (r: UserRow) => toUser(r));
  const getSession = (hash: string) =>
    one(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_hash = $1`, [hash], (r: SessionRow) =>
      toSession(r),
    );
  const getDevice = (id: string) =>
    one(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id], (r: DeviceRow) => toDevice(r));
  const getSetupToken = (hash: string) =>
    one(`SELECT ${SETUP_TOKEN_COLUMNS} FROM setup_tokens WHERE token_hash = $1`, [hash], (r: SetupTokenRow) =>
      toSetupToken(r),
    );
  const getSignInFailures = (key: string) =>
    one(
      `SELECT ${SIGN_IN_FAILURE_COLUMNS} FROM sign_in_failures WHERE username_key = $1`,
      [key],
      (r: SignInFailuresRow) => toSignInFailures(r),
    );

  return {
    getUser,
    findUserByName,
    getSession,
    getDevice,
    getSetupToken,
    getSignInFailures,

    insertUser: (user: UserRecord) =>
      insert('users', USER_COLUMNS, userValues(user), user, async () => {
        return (await getUser(user.id)) ?? findUserByName(user.usernameKey);
      }),
    listUsers: () =>
      all(`SELECT ${USER_COLUMNS} FROM users ORDER BY username_key`, (r: UserRow) => toUser(r)),
    async updateUser(id, change) {
      const { set, values } = userChangeSet(change, (i) => `$${i + 1}`);
      if (set === '') return getUser(id);
      return one(
        `UPDATE users SET ${set} WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [id, ...values],
        (r: UserRow) => toUser(r),
      );
    },
    async hasAdministrator() {
      const rows = await session.query(
        "SELECT 1 AS found FROM users WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1",
      );
      return rows.length > 0;
    },

    insertSession: (s) =>
      insert('sessions', SESSION_COLUMNS, sessionValues(s), s, () => getSession(s.tokenHash)),
    async touchSession(hash, at) {
      await session.query('UPDATE sessions SET last_used_at = $2 WHERE token_hash = $1', [hash, at]);
    },
    async deleteSession(hash) {
      await session.query('DELETE FROM sessions WHERE token_hash = $1', [hash]);
    },
    async deleteUserSessions(userId) {
      const rows = await session.query('DELETE FROM sessions WHERE user_id = $1 RETURNING token_hash', [
        userId,
      ]);
      return rows.length;
    },
    async deleteEndedSessions(idleBefore, now) {
      const rows = await session.query(
        'DELETE FROM sessions WHERE last_used_at < $1 OR expires_at <= $2 RETURNING token_hash',
        [idleBefore, now],
      );
      return rows.length;
    },
    listSessions: () =>
      all(`SELECT ${SESSION_COLUMNS} FROM sessions ORDER BY token_hash`, (r: SessionRow) => toSession(r)),

    insertDevice: (d: DeviceRecord) =>
      insert('devices', DEVICE_COLUMNS, deviceValues(d), d, () => getDevice(d.id)),
    findDeviceByCredential: (hash) =>
      one(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE credential_hash = $1`, [hash], (r: DeviceRow) =>
        toDevice(r),
      ),
    findDeviceByEnrollmentCode: (hash) =>
      one(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE enrollment_code_hash = $1`, [hash], (r: DeviceRow) =>
        toDevice(r),
      ),
    listDevices: () =>
      all(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY created_at DESC, id`, (r: DeviceRow) =>
        toDevice(r),
      ),
    enrollDevice: (codeHash, credentialHash, at, installationId) =>
      one(
        `UPDATE devices SET credential_hash = $2, enrolled_at = $3, installation_id = $4
         WHERE enrollment_code_hash = $1 AND enrolled_at IS NULL AND revoked_at IS NULL AND enrollment_expires_at > $3
         RETURNING ${DEVICE_COLUMNS}`,
        [codeHash, credentialHash, at, installationId],
        (r: DeviceRow) => toDevice(r),
      ),
    revokeDevice: (id, at) =>
      one(
        `UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
        [id, at],
        (r: DeviceRow) => toDevice(r),
      ),
    async touchDevice(id, at, appVersion) {
      await session.query(
        'UPDATE devices SET last_seen_at = $2, app_version = COALESCE($3, app_version) WHERE id = $1',
        [id, at, appVersion],
      );
    },

    insertSetupToken: (t) =>
      insert('setup_tokens', SETUP_TOKEN_COLUMNS, setupTokenValues(t), t, () => getSetupToken(t.tokenHash)),
    // One statement over every unused token: a second use at the same moment
    // waits for this one's row locks, then finds them used and changes nothing.
    useSetupToken: (hash, at) =>
      session
        .atomic(async (s) => {
          const used = await s.query<{ token_hash: string; expires_at: string }>(
            'UPDATE setup_tokens SET used_at = $1 WHERE used_at IS NULL RETURNING token_hash, expires_at',
            [at],
          );
          if (!used.some((t) => t.token_hash === hash && t.expires_at > at)) throw new Undo();
          return true;
        })
        .catch((err: unknown) => {
          if (err instanceof Undo) return false;
          throw err;
        }),
    listSetupTokens: () =>
      all(`SELECT ${SETUP_TOKEN_COLUMNS} FROM setup_tokens ORDER BY token_hash`, (r: SetupTokenRow) =>
        toSetupToken(r),
      ),

    recordSignInFailure: (key, at, forgetBefore) =>
      session.atomic(async (s) => {
        await s.query('DELETE FROM sign_in_failures WHERE last_failed_at < $1 AND username_key <> $2', [
          forgetBefore,
          key,
        ]);
        const [row] = await s.query<SignInFailuresRow>(
          `INSERT INTO sign_in_failures (${SIGN_IN_FAILURE_COLUMNS}) VALUES ($1, 1, $2)
           ON CONFLICT (username_key) DO UPDATE SET
             failures = CASE WHEN sign_in_failures.last_failed_at < $3 THEN 1 ELSE sign_in_failures.failures + 1 END,
             last_failed_at = excluded.last_failed_at
           RETURNING ${SIGN_IN_FAILURE_COLUMNS}`,
          [key, at, forgetBefore],
        );
        return toSignInFailures(held(row, `The sign-in failures of ${key}`));
      }),
    async clearSignInFailures(key) {
      await session.query('DELETE FROM sign_in_failures WHERE username_key = $1', [key]);
    },
    listSignInFailures: () =>
      all(
        `SELECT ${SIGN_IN_FAILURE_COLUMNS} FROM sign_in_failures ORDER BY username_key`,
        (r: SignInFailuresRow) => toSignInFailures(r),
      ),
    insertSignInFailures: (row: SignInFailures) =>
      insert(
        'sign_in_failures',
        SIGN_IN_FAILURE_COLUMNS,
        [row.usernameKey, row.failures, row.lastFailedAt],
        row,
        () => getSignInFailures(row.usernameKey),
      ),
  };
}
