import type { SignInRequest } from '../../shared/accounts.js';
import { rateLimited, unauthorized } from '../errors.js';
import type { SessionRecord, SignInFailures, UserRecord } from '../storage/accounts.js';
import type { Repository } from '../storage/repository.js';
import { verifyNoPassword, verifyPassword } from './passwords.js';
import { looksLikeSecret, newSecret, secretHash } from './secrets.js';
import { usernameKey } from './users.js';

/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** …and this long after sign-in in any case. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** A use is recorded at most this often: the idle limit is hours, and every request writing would cost. */
export const TOUCH_EVERY_MS = 60 * 1000;

/** Failed sign-ins of one username allowed within the window before each further try waits. */
export const FREE_FAILURES = 5;
/** Failures older than this (counted from the last) are forgotten. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const FIRST_WAIT_MS = 30 * 1000;
const LONGEST_WAIT_MS = 10 * 60 * 1000;

/** How long after its last failure the username must wait before another try: 30 s, 1 min, 2, 4, 8, then 10. */
export function signInWait(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - FREE_FAILURES));
}

/** The time left to wait before the username may try again; 0 when it may now. */
function waitLeft(failures: SignInFailures | undefined, now: Date): number {
  if (!failures) return 0;
  const last = Date.parse(failures.lastFailedAt);
  if (now.getTime() - last > FAILURE_WINDOW_MS) return 0;
  return Math.max(0, last + signInWait(failures.failures) - now.getTime());
}

/** When the session ends unless used before: its idle end, or its absolute end if sooner. */
export function sessionEnds(session: SessionRecord): string {
  const idle = Date.parse(session.lastUsedAt) + SESSION_IDLE_MS;
  return new Date(Math.min(idle, Date.parse(session.expiresAt))).toISOString();
}

export interface SignedIn {
  /** The token for the session cookie; only its hash is stored. */
  token: string;
  session: SessionRecord;
  user: UserRecord;
}

const WRONG =
  'The username or password is wrong. Check both (a password is case-sensitive), or ask an administrator to reset your password.';

/**
 * Signs a user in: a new session, or 401 in the same words whether the
 * username is unknown, the password wrong or the account disabled, after
 * the same work (a password hash checked) in each case. A username with
 * too many recent failures (counted in the database, so shared by every
 * server) gets 429 without its password being checked. An unknown
 * username costs a check at passwordCost, this server's cost for new hashes.
 */
export async function signIn(
  repo: Repository,
  request: SignInRequest,
  now: Date,
  passwordCost: number,
): Promise<SignedIn> {
  const key = usernameKey(request.username);
  const wait = waitLeft(await repo.getSignInFailures(key), now);
  if (wait > 0)
    throw rateLimited(
      `Too many failed sign-ins for this username: try again in ${Math.ceil(wait / 1000)} seconds, or ask an administrator to reset the password.`,
      wait,
    );
  const user = await repo.findUserByName(key);
  const right = user
    ? await verifyPassword(request.password, user.passwordHash)
    : await verifyNoPassword(request.password, passwordCost);
  if (!user || !right || user.disabledAt !== null) {
    const at = now.toISOString();
    await repo.recordSignInFailure(key, at, new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString());
    throw unauthorized(WRONG);
  }
  await repo.clearSignInFailures(key);
  // Sessions nobody presents again end by time without being deleted: each sign-in clears them away.
  await repo.deleteEndedSessions(new Date(now.getTime() - SESSION_IDLE_MS).toISOString(), now.toISOString());
  return { ...(await startSession(repo, user, now)), user };
}

/** A new session for the user (signing in, or setting up the first administrator). */
export async function startSession(
  repo: Pick<Repository, 'insertSession'>,
  user: UserRecord,
  now: Date,
): Promise<{ token: string; session: SessionRecord }> {
  const token = newSecret();
  const session: SessionRecord = {
    tokenHash: secretHash(token),
    userId: user.id,
    createdAt: now.toISOString(),
    lastUsedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_MAX_MS).toISOString(),
  };
  await repo.insertSession(session);
  return { token, session };
}

/**
 * The user of a session resolved earlier, read again, when the session is
 * still open and the user not disabled; null otherwise. Unlike
 * resolveSession it does not count as use: a screen left open on a live
 * stream must not keep its session alive.
 */
export async function stillSignedIn(
  repo: Repository,
  tokenHash: string,
  now: Date,
): Promise<UserRecord | null> {
  const session = await repo.getSession(tokenHash);
  if (!session || Date.parse(sessionEnds(session)) <= now.getTime()) return null;
  const user = await repo.getUser(session.userId);
  return user && user.disabledAt === null ? user : null;
}

/**
 * The session and user a session cookie names, when the session has not
 * ended and the user is not disabled; its use is recorded (at most once a
 * minute). An ended session is deleted on the way.
 */
export async function resolveSession(
  repo: Repository,
  token: string,
  now: Date,
): Promise<{ session: SessionRecord; user: UserRecord } | null> {
  if (!looksLikeSecret(token)) return null;
  const session = await repo.getSession(secretHash(token));
  if (!session) return null;
  if (Date.parse(sessionEnds(session)) <= now.getTime()) {
    await repo.deleteSession(session.tokenHash);
    return null;
  }
  const user = await repo.getUser(session.userId);
  if (!user || user.disabledAt !== null) return null;
  if (now.getTime() - Date.parse(session.lastUsedAt) < TOUCH_EVERY_MS) return { session, user };
  const at = now.toISOString();
  await repo.touchSession(session.tokenHash, at);
  return { session: { ...session, lastUsedAt: at }, user };
}
