import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a cookie set in answer to this request is marked Secure: always,
 * except over plain HTTP to a loopback host (a trial on one machine), where
 * some browsers refuse Secure cookies.
 */
export function secureCookies(request: FastifyRequest): boolean {
  return request.protocol !== 'http' || !LOOPBACK.test(request.hostname);
}

/**
 * How the credential cookies are set (and cleared): HttpOnly (no script
 * reads them), SameSite=Strict (no other site sends them), for every path,
 * Secure as secureCookies says; with maxAge in seconds, else they end with
 * the browser session.
 */
export function credentialCookie(request: FastifyRequest, maxAge?: number): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: secureCookies(request),
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}
