/**
 * How the app calls its own server, from one place: the page's sending and
 * reference refresh, the service worker's Background Sync and periodic
 * refresh, enrolling and setting up all build their requests here.
 * No DOM API: it runs in the worker too.
 */
import { REQUEST_HEADER, VERSION_HEADER } from '../../shared/accounts.js';

/** Injected at build time from package.json. */
declare const __APP_VERSION__: string;

/**
 * How long a request made in the background (a refresh, a check-in) waits
 * for its answer: a worker event left waiting on a silent server would hold
 * the sync it runs in until the browser gives up on it.
 */
export const BACKGROUND_REQUEST_TIMEOUT_MS = 20_000;

/** This build's version (package.json): sent with every request, and recorded in each submission. */
export const APP_VERSION = __APP_VERSION__;

const READS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The init of a fetch to the app's server. The device's credential (and a
 * signed-in person's session) are HttpOnly cookies: `credentials:
 * 'same-origin'` is the default, stated so that no caller can drop them. A
 * request that changes something carries `X-Fieldsync-Request: 1`, without
 * which the server refuses it as possibly sent by another site (403 csrf);
 * every request reports the app version, which the list of devices shows.
 */
export function apiInit(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set(VERSION_HEADER, APP_VERSION);
  if (!READS.has((init.method ?? 'GET').toUpperCase())) headers.set(REQUEST_HEADER, '1');
  return { ...init, headers, credentials: 'same-origin' };
}

/** fetch (or the given stand-in) with apiInit's credential and headers. */
export function apiFetch(url: string, init?: RequestInit, fetcher: typeof fetch = fetch): Promise<Response> {
  return fetcher(url, apiInit(init));
}
