import { createHash, randomBytes } from 'node:crypto';

/**
 * A new credential, session token, enrollment code or set-up token: 32
 * random bytes, base64url (43 characters), fit for a cookie and a URL.
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What the server stores of a secret: its SHA-256, in hex. A random 256-bit
 * secret needs no slow hash: there is nothing to guess, so a copy of the
 * database gives no way in.
 */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether text has the shape newSecret gives; anything else is not looked up. */
export function looksLikeSecret(text: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(text);
}
