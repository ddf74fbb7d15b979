import type { SetupRequest } from '../../shared/accounts.js';
import { conflict, expired, notFound } from '../errors.js';
import type { SessionRecord, UserRecord } from '../storage/accounts.js';
import type { Repository } from '../storage/repository.js';
import { looksLikeSecret, newSecret, secretHash } from './secrets.js';
import { startSession } from './sessions.js';
import { checkPassword, checkUsername, createUser } from './users.js';

/** A set-up link works for this long. */
export const SETUP_TTL_MS = 60 * 60 * 1000;

/** The link that sets up the first administrator, for an origin such as http://localhost:8080. */
export function setupLink(origin: string, token: string): string {
  return `${origin}/setup#token=${token}`;
}

/** A new one-time set-up token, working for an hour; only its hash is stored. */
export async function createSetupToken(repo: Repository, now: Date): Promise<string> {
  const token = newSecret();
  await repo.insertSetupToken({
    tokenHash: secretHash(token),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SETUP_TTL_MS).toISOString(),
    usedAt: null,
  });
  return token;
}

const ALREADY = 'The server already has an administrator: sign in instead.';

/** Why the token cannot be used now, as the error to answer. */
async function refusal(repo: Repository, tokenHash: string | null): Promise<Error> {
  if (await repo.hasAdministrator()) return conflict(ALREADY);
  const token = tokenHash && (await repo.getSetupToken(tokenHash));
  if (!token)
    return notFound(
      'This set-up link is not one the server gave. Copy the whole link the server printed, or print a new one with `npm run admin -- setup-link`.',
    );
  if (token.usedAt !== null) return conflict(`This set-up link was already used (${token.usedAt}).`);
  return expired(
    'This set-up link expired: each works for an hour. Restart the server, or run `npm run admin -- setup-link`, for a new one.',
  );
}

/**
 * Creates the first administrator with a set-up token, and signs them in.
 * Only while there is no administrator (409), with a token the server gave
 * (404), unused (409) and under an hour old (410). Using a token uses every
 * other one too: of two set-ups at once, one wins. The password is hashed
 * at passwordCost.
 */
export async function setUp(
  repo: Repository,
  request: SetupRequest,
  now: Date,
  passwordCost: number,
): Promise<{ user: UserRecord; token: string; session: SessionRecord }> {
  checkUsername(request.username);
  checkPassword(request.password);
  const tokenHash = looksLikeSecret(request.token) ? secretHash(request.token) : null;
  if (await repo.hasAdministrator()) throw conflict(ALREADY);
  if (!tokenHash || !(await repo.getSetupToken(tokenHash))) throw await refusal(repo, tokenHash);
  const done = await repo.withTransaction(async (tx) => {
    if (!(await tx.useSetupToken(tokenHash, now.toISOString()))) return null;
    if (await tx.hasAdministrator()) throw conflict(ALREADY);
    const user = await createUser(
      tx,
      { username: request.username, password: request.password, role: 'admin', formIds: null },
      now,
      passwordCost,
    );
    return { user, ...(await startSession(tx, user, now)) };
  });
  if (!done) throw await refusal(repo, tokenHash);
  return done;
}
