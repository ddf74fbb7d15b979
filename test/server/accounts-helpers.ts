/** Acting as the people and devices of the accounts tests: a clock to drive, sign-ins, enrollments. */
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Enrollment, MyDevice, Role } from '../../shared/accounts.js';
import { REQUEST_HEADER } from '../../shared/accounts.js';
import { cookieHeader, definedOnly, injectBare, TEST_PASSWORD } from './helpers.js';

/** The time the server reads, moved by the test rather than waited for. */
export interface TestClock {
  now: () => Date;
  advance(ms: number): void;
}

export function testClock(start: number = Date.now()): TestClock {
  let at = start;
  return { now: () => new Date(at), advance: (ms) => void (at += ms) };
}

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;

/** The value of a cookie the answer sets, and the attributes it sets it with, sorted (a browser reads them in any order). */
export function setCookie(
  res: LightMyRequestResponse,
  name: string,
): { value: string; attributes: string[] } {
  const all = [res.headers['set-cookie'] ?? []].flat();
  const line = all.find((c) => c.startsWith(`${name}=`));
  assert.ok(line, `the answer sets ${name}: ${JSON.stringify(all)}`);
  const [pair = '', ...attributes] = line.split('; ');
  return { value: pair.slice(name.length + 1), attributes: attributes.sort() };
}

let addresses = 0;

/**
 * A request from a browser holding exactly these cookies (none when both
 * are null), from the app (X-Fieldsync-Request) and, unless given, from an
 * address of its own, so that the tries of one test do not count against
 * another's.
 */
export function as(
  app: FastifyInstance,
  cookies: { device?: string | null; session?: string | null },
  request: InjectOptions,
): Promise<LightMyRequestResponse> {
  addresses++;
  return injectBare(app, {
    remoteAddress: `10.0.${Math.floor(addresses / 250) % 250}.${(addresses % 250) + 1}`,
    ...request,
    headers: definedOnly({
      cookie: cookieHeader(cookies.device ?? null, cookies.session ?? null),
      [REQUEST_HEADER]: '1',
      ...request.headers,
    }),
  });
}

/** Signs in and answers the session token; fails the test when refused. */
export async function signIn(
  app: FastifyInstance,
  username: string,
  password = TEST_PASSWORD,
): Promise<string> {
  const res = await as(app, {}, { method: 'POST', url: '/api/session', payload: { username, password } });
  assert.equal(res.statusCode, 200, res.body);
  return setCookie(res, 'fs_session').value;
}

/**
 * Creates a user as the test's administrator (app.inject's default), or as
 * the administrator whose session is given, and answers its id.
 */
export async function createUser(
  app: FastifyInstance,
  username: string,
  role: Role,
  formIds: string[] | null = null,
  adminSession?: string,
): Promise<string> {
  const request: InjectOptions = {
    method: 'POST',
    url: '/api/users',
    payload: { username, password: TEST_PASSWORD, role, formIds },
  };
  const res = await (adminSession ? as(app, { session: adminSession }, request) : app.inject(request));
  assert.equal(res.statusCode, 201, res.body);
  return res.json<{ id: string }>().id;
}

/** A supervisor signed in: their id and session. */
export async function supervisor(
  app: FastifyInstance,
  formIds: string[] | null,
  adminSession?: string,
): Promise<{ id: string; session: string }> {
  const username = `supervisor-${Math.random().toString(36).slice(2, 10)}`;
  const id = await createUser(app, username, 'supervisor', formIds, adminSession);
  return { id, session: await signIn(app, username) };
}

/** An enrollment made by the test's administrator, or by the one whose session is given. */
export async function enrollment(
  app: FastifyInstance,
  formIds: string[] | null = null,
  name = 'Field phone',
  adminSession?: string,
): Promise<Enrollment> {
  const request: InjectOptions = {
    method: 'POST',
    url: '/api/enrollments',
    payload: { name, formIds, kiosk: false },
  };
  const res = await (adminSession ? as(app, { session: adminSession }, request) : app.inject(request));
  assert.equal(res.statusCode, 201, res.body);
  return res.json<Enrollment>();
}

/** A device enrolled now: its id and credential. */
export async function enrolledDevice(
  app: FastifyInstance,
  formIds: string[] | null = null,
  name = 'Field phone',
  adminSession?: string,
  installationId?: string,
): Promise<{ id: string; credential: string; device: MyDevice }> {
  const { code } = await enrollment(app, formIds, name, adminSession);
  const res = await as(app, {}, { method: 'POST', url: '/api/enroll', payload: { code, installationId } });
  assert.equal(res.statusCode, 200, res.body);
  const device = res.json<MyDevice>();
  return { id: device.id, credential: setCookie(res, 'fs_device').value, device };
}
