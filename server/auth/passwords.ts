import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { MIN_PASSWORD_LENGTH } from '../../shared/accounts.js';

/**
 * log2 of scrypt's N for new hashes unless PASSWORD_HASH_COST says: with
 * r = 8, p = 1, 2^15 takes 32 MiB and some tens of milliseconds per hash.
 */
export const DEFAULT_HASH_COST = 15;
/** What to tell whoever sets passwords at a cost below the default; null at the default or above. */
export function lowCostWarning(cost: number): string | null {
  if (cost >= DEFAULT_HASH_COST) return null;
  return `PASSWORD_HASH_COST is ${cost}, below ${DEFAULT_HASH_COST}: passwords set now are cheaper to guess from a copy of the database. Set it lower only on test servers.`;
}
/** The cheapest cost a server takes, or reads in a stored hash: for throwaway test servers only. */
export const MIN_HASH_COST = 10;
/** Beyond this a hash takes gigabytes: a damaged row must not make the server try. */
export const MAX_HASH_COST = 20;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** The longest password hashed: scrypt reads all of it, and no one types more. */
export const MAX_PASSWORD_LENGTH = 1024;

/** scrypt needs 128 · N · r · p bytes; Node refuses above maxmem (32 MiB by default, just too little). */
function options(costLog2: number, blockSize: number, parallelism: number): ScryptOptions {
  const N = 2 ** costLog2;
  return { N, r: blockSize, p: parallelism, maxmem: 128 * N * blockSize * parallelism + 1024 * 1024 };
}

function derive(password: string, salt: Buffer, opts: ScryptOptions, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, bytes, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Why the password cannot be used, in words for the person choosing it; null when it can. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `The password must be at least ${MIN_PASSWORD_LENGTH} characters long: a short sentence is easy to remember and hard to guess.`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`;
  return null;
}

/**
 * The stored form of a password: `scrypt$15$8$1$salt$key` (log2 N, r, p,
 * then base64url salt and key), so the cost can be raised later and the
 * hashes made before still checked.
 */
export async function hashPassword(password: string, costLog2: number): Promise<string> {
  if (!Number.isInteger(costLog2) || costLog2 < MIN_HASH_COST || costLog2 > MAX_HASH_COST)
    throw new RangeError(
      `A password hash cost must be from ${MIN_HASH_COST} to ${MAX_HASH_COST}, not ${costLog2}.`,
    );
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, options(costLog2, BLOCK_SIZE, PARALLELISM), KEY_BYTES);
  return [
    'scrypt',
    costLog2,
    BLOCK_SIZE,
    PARALLELISM,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Whether password is the one hashed, compared in constant time; false for a hash it cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!match) return false;
  const [costLog2, blockSize, parallelism] = [match[1], match[2], match[3]].map(Number) as [
    number,
    number,
    number,
  ];
  // Bounds, so a damaged row cannot make the server allocate gigabytes.
  if (
    costLog2 < MIN_HASH_COST ||
    costLog2 > MAX_HASH_COST ||
    blockSize < 1 ||
    blockSize > 32 ||
    parallelism < 1 ||
    parallelism > 16
  )
    return false;
  const expected = Buffer.from(match[5] ?? '', 'base64url');
  if (expected.length < 16 || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(
    password,
    Buffer.from(match[4] ?? '', 'base64url'),
    options(costLog2, blockSize, parallelism),
    expected.length,
  );
  return timingSafeEqual(key, expected);
}

/** A hash of no account's password at each cost asked for, made once. */
const dummies = new Map<number, Promise<string>>();

/**
 * Spends the time a check of a real password hashed at costLog2 takes,
 * then answers false: for a username no account has, so that the time of
 * the answer does not tell whether the account exists.
 */
export async function verifyNoPassword(password: string, costLog2: number): Promise<false> {
  let dummy = dummies.get(costLog2);
  if (!dummy) dummies.set(costLog2, (dummy = hashPassword('a password no account has', costLog2)));
  await verifyPassword(password, await dummy);
  return false;
}
