import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { MIN_PASSWORD_LENGTH } from '../../shared/accounts.js';

/** N = 2^15, r = 8, p = 1: 32 MiB and some tens of milliseconds per hash. */
const COST_LOG2 = 15;
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
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, options(COST_LOG2, BLOCK_SIZE, PARALLELISM), KEY_BYTES);
  return [
    'scrypt',
    COST_LOG2,
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
    costLog2 < 10 ||
    costLog2 > 20 ||
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

let dummy: Promise<string> | null = null;

/**
 * Spends the time a check of a real password takes, then answers false:
 * for a username no account has, so that the time of the answer does not
 * tell whether the account exists.
 */
export async function verifyNoPassword(password: string): Promise<false> {
  dummy ??= hashPassword('a password no account has, hashed once');
  await verifyPassword(password, await dummy);
  return false;
}
