/**
 * The people and devices the server tests act as: an administrator with a
 * session and a device enrolled for every form, created in a repository,
 * and the cookies and headers that present them.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { DEVICE_COOKIE, REQUEST_HEADER, SESSION_COOKIE } from '../../shared/accounts.js';
import { createEnrollment, enrollDevice } from '../../server/auth/devices.js';
import { hashPassword, MIN_HASH_COST } from '../../server/auth/passwords.js';
import { startSession } from '../../server/auth/sessions.js';
import type { Repository } from '../../server/storage/repository.js';

/**
 * The password hash cost of test servers: the cheapest the server takes.
 * Hashing at the default cost would spend a minute of CPU per test pass on
 * sign-ins; tests that check the default say so.
 */
export const TEST_HASH_COST = MIN_HASH_COST;
/** A password tests give their users; hashed once per test process. */
export const TEST_PASSWORD = 'correct horse battery staple';
let testPasswordHash: Promise<string> | null = null;
/** The name of the device seedCredentials enrolls. */
export const TEST_DEVICE_NAME = 'Test phone';

/** The credentials the tests act with, as the cookies carry them. */
export interface TestCredentials {
  /** An enrolled device that may use every form. */
  device: { id: string; credential: string };
  /** A signed-in administrator. */
  admin: { id: string; username: string; session: string };
}

/**
 * Creates, through the repository, an administrator (password
 * TEST_PASSWORD) with a session and a device enrolled for every form, as
 * the set-up link, signing in and an enrollment would.
 */
export async function seedCredentials(repo: Repository, now: Date = new Date()): Promise<TestCredentials> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD, TEST_HASH_COST);
  const username = `admin-${randomUUID().slice(0, 8)}`;
  const admin = {
    id: randomUUID(),
    username,
    usernameKey: username,
    passwordHash: await testPasswordHash,
    role: 'admin' as const,
    formIds: null,
    createdAt: now.toISOString(),
    disabledAt: null,
  };
  await repo.insertUser(admin);
  const { token } = await startSession(repo, admin, now);
  const { code } = await createEnrollment(
    repo,
    { name: TEST_DEVICE_NAME, formIds: null, kiosk: false },
    '',
    now,
  );
  const { credential, device } = await enrollDevice(repo, code, null, now);
  return { device: { id: device.id, credential }, admin: { id: admin.id, username, session: token } };
}

const bareInjects = new WeakMap<FastifyInstance, (opts: InjectOptions) => Promise<LightMyRequestResponse>>();

/** A request exactly as given, with none of the credentials injectAsTestCallers adds. */
export function injectBare(app: FastifyInstance, opts: InjectOptions): Promise<LightMyRequestResponse> {
  const inject = bareInjects.get(app) ?? ((o: InjectOptions) => app.inject(o));
  return inject(opts);
}

/** The headers that have a value: a request leaves one out by giving it as undefined. */
export function definedOnly(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

/** A Cookie header: the device's credential, the session, or both. */
export function cookieHeader(device: string | null, session: string | null): string {
  return [device && `${DEVICE_COOKIE}=${device}`, session && `${SESSION_COOKIE}=${session}`]
    .filter(Boolean)
    .join('; ');
}

/** The headers of a request from the app on a browser that is both the test device and the administrator. */
export function credentialHeaders(c: TestCredentials): Record<string, string> {
  return { cookie: cookieHeader(c.device.credential, c.admin.session), [REQUEST_HEADER]: '1' };
}

/** A raw HTTP request's text with these headers added to its head, for tests that write to a socket. */
export function withHeaderLines(raw: string, headers: Record<string, string>): string {
  const at = raw.indexOf('\r\n\r\n');
  const lines = Object.entries(headers).map(([name, value]) => `\r\n${name}: ${value}`);
  return at < 0 ? raw : raw.slice(0, at) + lines.join('') + raw.slice(at);
}

/** What a stored submission says of the device that sent it, when it was the credentials' device. */
export function sentByDeviceOf(c: TestCredentials): { deviceId: string; deviceName: string } {
  return { deviceId: c.device.id, deviceName: TEST_DEVICE_NAME };
}

/**
 * Makes app.inject() act as the test's device and administrator: each
 * request carries their cookies and X-Fieldsync-Request: 1, unless it sets
 * a header of that name itself (a Cookie of '' for none; undefined leaves
 * the header out). The tests of who
 * may do what set their own; every other test acts as a browser that may
 * do everything, so that what it checks is what it is about.
 */
export async function injectAsTestCallers(app: FastifyInstance, repo: Repository): Promise<TestCredentials> {
  const credentials = await seedCredentials(repo);
  const headers = credentialHeaders(credentials);
  const inject = app.inject.bind(app) as (opts: InjectOptions) => Promise<LightMyRequestResponse>;
  bareInjects.set(app, inject);
  const withCredentials = (opts: InjectOptions | string): Promise<LightMyRequestResponse> => {
    const options = typeof opts === 'string' ? { url: opts } : opts;
    return inject({ ...options, headers: definedOnly({ ...headers, ...options.headers }) });
  };
  app.inject = withCredentials as FastifyInstance['inject'];
  return credentials;
}
