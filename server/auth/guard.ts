import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  DEVICE_COOKIE,
  REQUEST_HEADER,
  SESSION_COOKIE,
  VERSION_HEADER,
  type Role,
} from '../../shared/accounts.js';
import { HttpError, forbidden, unauthorized } from '../errors.js';
import type { DeviceRecord, SessionRecord, UserRecord } from '../storage/accounts.js';
import type { Repository } from '../storage/repository.js';
import { resolveDevice } from './devices.js';
import { resolveSession } from './sessions.js';

/** Who may call a route: anyone, or callers holding one of these credentials. */
export type Allow = 'anyone' | readonly ('device' | Role)[];

/** The route config of what supervisors and administrators do: review, and read what they review. */
export const REVIEWERS = { allow: ['supervisor', 'admin'] } as const;

/** Who the request's cookies say is asking. A browser may be an enrolled device and signed in at once. */
export interface Caller {
  device: DeviceRecord | null;
  user: UserRecord | null;
  session: SessionRecord | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every /api route declares it: the guard refuses to register one that does not. */
    allow?: Allow;
  }
  interface FastifyRequest {
    /** The caller, resolved from the cookies on first use and kept for the request. */
    caller(): Promise<Caller>;
    fieldsyncCaller: Promise<Caller> | null;
  }
}

export interface GuardOptions {
  repo: Repository;
  clock: () => Date;
  /** PUBLIC_URL's origin, accepted as a request's Origin beside the Host it was sent to. */
  publicOrigin: string | null;
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether origin (an Origin header) is this server: the address the request was sent to, or PUBLIC_URL. */
export function isOwnOrigin(origin: string, request: FastifyRequest, publicOrigin: string | null): boolean {
  if (origin === publicOrigin) return true;
  try {
    const { protocol, host } = new URL(origin);
    // The Host header read with the origin's scheme, so that a default port written out (":443") still matches.
    return host === new URL(`${protocol}//${request.host}`).host;
  } catch {
    // "null" (a sandboxed frame, a redirect across sites) is no origin of ours.
    return false;
  }
}

/**
 * The origin links to this server start with: PUBLIC_URL when set, else the
 * page's own (its Origin header, checked to be this server), else the
 * scheme and Host the request came with (which a TLS proxy in front may
 * turn to http: set PUBLIC_URL there).
 */
export function requestOrigin(request: FastifyRequest, publicOrigin: string | null): string {
  if (publicOrigin !== null) return publicOrigin;
  const origin = request.headers.origin;
  if (origin !== undefined && isOwnOrigin(origin, request, null)) return new URL(origin).origin;
  return new URL(`${request.protocol}://${request.host}`).origin;
}

function csrf(message: string): HttpError {
  return new HttpError(403, { error: 'csrf', message });
}

/**
 * A request that changes something must say it comes from the app (a page
 * on another site cannot add the header without a CORS preflight, which
 * this server never answers), and must not say it comes from elsewhere.
 */
function checkSameSite(request: FastifyRequest, publicOrigin: string | null): void {
  if (!CHANGES.has(request.method)) return;
  if (request.headers[REQUEST_HEADER] !== '1')
    throw csrf(
      'A request that changes something must carry the header "X-Fieldsync-Request: 1" (the app adds it): without it, it may have been sent by another site.',
    );
  const origin = request.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, request, publicOrigin))
    throw csrf(`This request comes from another site (${origin.slice(0, 100)}): refused.`);
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site')
    throw csrf('The browser says this request comes from another site: refused.');
}

function permits(allow: Exclude<Allow, 'anyone'>, caller: Caller): boolean {
  return (
    (caller.device !== null && allow.includes('device')) ||
    (caller.user !== null && allow.includes(caller.user.role))
  );
}

function refusal(allow: Exclude<Allow, 'anyone'>, caller: Caller): HttpError {
  const device = allow.includes('device');
  const people = allow.includes('supervisor') ? 'a supervisor or an administrator' : 'an administrator';
  const anyPerson = allow.includes('supervisor') || allow.includes('admin');
  if (caller.device === null && caller.user === null) {
    if (!anyPerson)
      return unauthorized(
        'This device is not enrolled, or no longer: nothing on it is lost. Ask your supervisor for a new QR code and open it on this device.',
      );
    const signIn = 'Sign in (again, if your session ended: it does after 12 hours without use).';
    return unauthorized(
      device
        ? `This device is not enrolled, or no longer (nothing on it is lost): ask your supervisor for a new QR code. Supervisors and administrators: ${signIn.toLowerCase()}`
        : signIn,
    );
  }
  if (!anyPerson) return forbidden('Only an enrolled device sends submissions and photos.');
  return forbidden(`Only ${device ? `an enrolled device, ${people}` : people} may do this.`);
}

/**
 * Guards every route of the encapsulated context it is added to (the /api
 * one): a route must declare `config.allow`, or the server does not start;
 * each request that changes something passes the same-site check first,
 * then, unless the route is open to anyone, its caller is resolved from the
 * cookies once and checked against the declaration: 401 for no credential
 * (a revoked device and an ended session count as none), 403 for one that
 * may not. Finer checks (a form, a submission's sender) are the handlers'.
 */
export function guardApi(fastify: FastifyInstance, opts: GuardOptions): void {
  const { repo, clock, publicOrigin } = opts;
  const resolve = async (request: FastifyRequest): Promise<Caller> => {
    const now = clock();
    const version = request.headers[VERSION_HEADER];
    // Parsed by @fastify/cookie, registered before this guard (server/api.ts).
    const credential = request.cookies[DEVICE_COOKIE];
    const token = request.cookies[SESSION_COOKIE];
    const [device, signedIn] = await Promise.all([
      credential
        ? resolveDevice(repo, credential, typeof version === 'string' ? version.slice(0, 50) : null, now)
        : null,
      token ? resolveSession(repo, token, now) : null,
    ]);
    return { device, user: signedIn?.user ?? null, session: signedIn?.session ?? null };
  };

  fastify.decorateRequest('fieldsyncCaller', null);
  fastify.decorateRequest('caller', function (this: FastifyRequest): Promise<Caller> {
    this.fieldsyncCaller ??= resolve(this);
    return this.fieldsyncCaller;
  });
  fastify.addHook('onRoute', (route) => {
    if (route.config?.allow === undefined)
      throw new Error(`${String(route.method)} ${route.url} does not say who may call it (config.allow).`);
  });
  fastify.addHook('onRequest', async (request) => {
    checkSameSite(request, publicOrigin);
    // A route registered without a declaration cannot exist (onRoute); were it to, it would admit no one.
    const allow = request.routeOptions.config.allow ?? [];
    if (allow === 'anyone') return;
    const caller = await request.caller();
    if (!permits(allow, caller)) throw refusal(allow, caller);
  });
}
