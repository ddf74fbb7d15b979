import type { RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  DEVICE_COOKIE,
  SESSION_COOKIE,
  type EnrollRequest,
  type Me,
  type SetupRequest,
  type SignInRequest,
} from '../../shared/accounts.js';
import {
  enrollBody,
  me,
  myDevice as myDeviceSchema,
  noContent,
  setupBody,
  signInBody,
} from '../account-schemas.js';
import { credentialCookie } from '../auth/cookies.js';
import { DEVICE_COOKIE_MAX_AGE, enrollDevice, myDevice } from '../auth/devices.js';
import type { Caller } from '../auth/guard.js';
import { looksLikeSecret, secretHash } from '../auth/secrets.js';
import { sessionEnds, signIn } from '../auth/sessions.js';
import { setUp } from '../auth/setup.js';
import { myUser } from '../auth/users.js';
import { apiErrors } from '../response-schemas.js';
import type { Repository } from '../storage/repository.js';

export interface AccountRoutesOptions {
  repo: Repository;
  clock: () => Date;
  /** log2 of scrypt's N for new password hashes (PASSWORD_HASH_COST). */
  passwordCost: number;
  /** Tries per address at each door that takes a secret (signing in, setting up, enrolling), counted apart. */
  door: RateLimitOptions;
}

const meSchema = { response: { 200: me, ...apiErrors() } };
const signInSchema = { body: signInBody, response: { 200: me, ...apiErrors(400, 401, 403, 415, 429) } };
const setupSchema = {
  body: setupBody,
  response: { 201: me, ...apiErrors(400, 403, 404, 409, 410, 415, 429) },
};
const signOutSchema = { response: { 204: noContent, ...apiErrors(403) } };
const everywhereSchema = { response: { 204: noContent, ...apiErrors(401, 403) } };
const enrollSchema = {
  body: enrollBody,
  response: { 200: myDeviceSchema, ...apiErrors(400, 403, 404, 409, 410, 415, 429) },
};

/**
 * Who is asking (GET /api/me), signing in and out, setting up the first
 * administrator, and enrolling a device: the routes that hand out or end
 * credentials. Open to anyone, as docs/accounts.md lists, but for signing
 * out everywhere.
 */
export default async function accountRoutes(
  fastify: FastifyInstance,
  opts: AccountRoutesOptions,
): Promise<void> {
  const { repo, clock, passwordCost } = opts;
  const anyone = { allow: 'anyone' } as const;
  const door = { allow: 'anyone', rateLimit: opts.door } as const;

  const describe = async (caller: Pick<Caller, 'device' | 'user' | 'session'>): Promise<Me> => ({
    device: caller.device && myDevice(caller.device),
    user: caller.user && caller.session && myUser(caller.user, sessionEnds(caller.session)),
    setupNeeded: !(await repo.hasAdministrator()),
  });
  const signedIn = (request: FastifyRequest, reply: FastifyReply, token: string): FastifyReply =>
    reply.header('cache-control', 'no-store').setCookie(SESSION_COOKIE, token, credentialCookie(request));

  const signedOut = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    reply
      .code(204)
      .header('cache-control', 'no-store')
      .clearCookie(SESSION_COOKIE, credentialCookie(request))
      .send();

  fastify.get('/me', { config: anyone, schema: meSchema }, async (request, reply) => {
    return reply.header('cache-control', 'no-store').send(await describe(await request.caller()));
  });

  fastify.post<{ Body: SignInRequest }>(
    '/session',
    { config: door, schema: signInSchema },
    async (request, reply) => {
      const { token, session, user } = await signIn(repo, request.body, clock(), passwordCost);
      const { device } = await request.caller();
      return signedIn(request, reply, token).send(await describe({ device, user, session }));
    },
  );

  fastify.post<{ Body: SetupRequest }>(
    '/setup',
    { config: door, schema: setupSchema },
    async (request, reply) => {
      const { token, session, user } = await setUp(repo, request.body, clock(), passwordCost);
      const { device } = await request.caller();
      return signedIn(request, reply, token)
        .code(201)
        .send(await describe({ device, user, session }));
    },
  );

  // Open: a browser whose session has ended must still be able to drop its cookie.
  fastify.delete('/session', { config: anyone, schema: signOutSchema }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token && looksLikeSecret(token)) await repo.deleteSession(secretHash(token));
    return signedOut(request, reply);
  });

  fastify.delete(
    '/sessions',
    { config: { allow: ['supervisor', 'admin'] }, schema: everywhereSchema },
    async (request, reply) => {
      const { user } = await request.caller();
      if (user) await repo.deleteUserSessions(user.id);
      return signedOut(request, reply);
    },
  );

  fastify.post<{ Body: EnrollRequest }>(
    '/enroll',
    { config: door, schema: enrollSchema },
    async (request, reply) => {
      const { credential, device } = await enrollDevice(
        repo,
        request.body.code,
        request.body.installationId ?? null,
        clock(),
      );
      return reply
        .header('cache-control', 'no-store')
        .setCookie(DEVICE_COOKIE, credential, credentialCookie(request, DEVICE_COOKIE_MAX_AGE))
        .send(myDevice(device));
    },
  );
}
