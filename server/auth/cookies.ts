import type { FastifyRequest } from 'fastify';

/**
 * The cookies of a Cookie header, by name (the first of a name wins, as
 * browsers send the most specific path first). Values are taken as they
 * are: the server's own cookies are base64url, which needs no decoding.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 1) continue;
    const name = pair.slice(0, at).trim();
    let value = pair.slice(at + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name !== '' && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a cookie set in answer to this request is marked Secure: always,
 * except over plain HTTP to a loopback host (a trial on one machine), where
 * some browsers refuse Secure cookies.
 */
export function secureCookies(request: FastifyRequest): boolean {
  return request.protocol !== 'http' || !LOOPBACK.test(request.hostname);
}

export interface CookieOptions {
  /** Seconds until the browser drops it; null for a cookie that ends with the browser session. */
  maxAge: number | null;
  secure: boolean;
}

/** A Set-Cookie value: HttpOnly (no script reads it), SameSite=Strict (no other site sends it), for every path. */
export function setCookie(name: string, value: string, { maxAge, secure }: CookieOptions): string {
  return [
    `${name}=${value}`,
    'HttpOnly',
    ...(secure ? ['Secure'] : []),
    'SameSite=Strict',
    'Path=/',
    ...(maxAge === null ? [] : [`Max-Age=${maxAge}`]),
  ].join('; ');
}

/** A Set-Cookie value that removes the cookie. */
export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', { maxAge: 0, secure });
}
