/** Signing in and out, how long a session lasts, the limits on tries, and requests from other sites. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Me } from '../../shared/accounts.js';
import type { ApiError } from '../../shared/submission.js';
import { secretHash } from '../../server/auth/secrets.js';
import {
  as,
  createUser,
  HOUR,
  MINUTE,
  setCookie,
  signIn,
  supervisor,
  testClock,
  type TestClock,
} from './accounts-helpers.js';
import { removeStore, startTestServer, TEST_HASH_COST, TEST_PASSWORD, type TestServer } from './helpers.js';
import { DEFAULT_HASH_COST } from '../../server/auth/passwords.js';

describe('sessions', () => {
  let server: TestServer;
  let clock: TestClock;
  before(async () => {
    clock = testClock();
    server = await startTestServer({ clock: clock.now });
  });
  after(() => server.close());

  const me = async (session: string): Promise<Me> =>
    (await as(server.app, { session }, { method: 'GET', url: '/api/me' })).json<Me>();

  it('signs in with the username in any case, setting an HttpOnly, SameSite=Strict session cookie', async () => {
    await createUser(server.app, 'Amina', 'supervisor', ['water-point-inspection']);
    const res = await as(
      server.app,
      {},
      { method: 'POST', url: '/api/session', payload: { username: 'AMINA', password: TEST_PASSWORD } },
    );
    assert.equal(res.statusCode, 200, res.body);
    const { value, attributes } = setCookie(res, 'fs_session');
    // Plain HTTP to localhost: no Secure, which some browsers refuse there. No Max-Age: a session cookie.
    assert.deepEqual(attributes, ['HttpOnly', 'Path=/', 'SameSite=Strict']);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json<Me>();
    assert.equal(body.user?.username, 'Amina');
    assert.equal(body.user?.role, 'supervisor');
    assert.deepEqual(body.user?.formIds, ['water-point-inspection']);
    assert.equal(body.user?.sessionExpiresAt, new Date(clock.now().getTime() + 12 * HOUR).toISOString());
    assert.equal((await me(value)).user?.username, 'Amina');
  });

  it('marks the cookie Secure anywhere but plain HTTP to a loopback host', async () => {
    await createUser(server.app, 'secure-one', 'supervisor');
    const res = await as(
      server.app,
      {},
      {
        method: 'POST',
        url: '/api/session',
        headers: { host: 'fieldsync.example.org' },
        payload: { username: 'secure-one', password: TEST_PASSWORD },
      },
    );
    assert.ok(setCookie(res, 'fs_session').attributes.includes('Secure'));
  });

  it('stores only the hash of the session token', async () => {
    const token = (await supervisor(server.app, null)).session;
    const stored = await server.repository.getSession(secretHash(token));
    assert.ok(stored, 'the session is found by the hash of its token');
    const rows = JSON.stringify(await server.repository.listSessions());
    assert.ok(!rows.includes(token), 'no stored session holds the token itself');
  });

  it('refuses a wrong password and an unknown username in the same words', async () => {
    await createUser(server.app, 'bashir', 'supervisor');
    const wrong = await as(
      server.app,
      {},
      { method: 'POST', url: '/api/session', payload: { username: 'bashir', password: 'not the password' } },
    );
    const unknown = await as(
      server.app,
      {},
      { method: 'POST', url: '/api/session', payload: { username: 'nobody', password: 'not the password' } },
    );
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(wrong.json<ApiError>(), unknown.json<ApiError>());
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  it('makes a username wait after five failures, longer after each, whatever the address', async () => {
    await createUser(server.app, 'chidi', 'supervisor');
    const attempt = (password: string) =>
      as(server.app, {}, { method: 'POST', url: '/api/session', payload: { username: 'chidi', password } });
    for (let i = 0; i < 5; i++) assert.equal((await attempt('wrong password')).statusCode, 401);
    const held = await attempt(TEST_PASSWORD);
    assert.equal(held.statusCode, 429, 'the right password waits too');
    assert.equal(held.json<ApiError>().error, 'rate_limited');
    assert.equal(held.headers['retry-after'], '30');
    clock.advance(30 * 1000);
    assert.equal((await attempt('wrong password')).statusCode, 401);
    assert.equal((await attempt(TEST_PASSWORD)).headers['retry-after'], '60');
    clock.advance(60 * 1000);
    assert.equal((await attempt(TEST_PASSWORD)).statusCode, 200, 'a success starts the count again');
    assert.equal((await attempt('wrong password')).statusCode, 401);
  });

  it('limits the tries from one address to 10 a minute at each door', async (t) => {
    // The per-address limit reads the system time (Date), not the server's clock.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const from = { remoteAddress: '192.0.2.7', method: 'POST' as const, url: '/api/session' };
    const payload = { username: 'nobody-at-all', password: 'whatever it is' };
    for (let i = 0; i < 10; i++)
      assert.equal(
        (await as(server.app, {}, { ...from, payload: { ...payload, username: `n${i}` } })).statusCode,
        401,
      );
    const over = await as(server.app, {}, { ...from, payload });
    assert.equal(over.statusCode, 429);
    assert.equal(over.headers['retry-after'], '60');
    assert.match(over.json<ApiError>().message, /from this address: wait 60 seconds/);
    const enroll = await as(
      server.app,
      {},
      { ...from, url: '/api/enroll', payload: { code: 'x'.repeat(43) } },
    );
    assert.equal(enroll.statusCode, 404, 'enrolling counts apart from signing in');
    t.mock.timers.tick(MINUTE);
    assert.equal((await as(server.app, {}, { ...from, payload })).statusCode, 401);
  });

  it('signs out this browser, or everywhere', async () => {
    const username = `dana-${Date.now()}`;
    await createUser(server.app, username, 'supervisor');
    const [one, two, three] = [
      await signIn(server.app, username),
      await signIn(server.app, username),
      await signIn(server.app, username),
    ];
    const out = await as(server.app, { session: one }, { method: 'DELETE', url: '/api/session' });
    assert.equal(out.statusCode, 204);
    assert.deepEqual(setCookie(out, 'fs_session'), {
      value: '',
      attributes: [
        'Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        'HttpOnly',
        'Max-Age=0',
        'Path=/',
        'SameSite=Strict',
      ],
    });
    assert.equal((await me(one)).user, null);
    assert.notEqual((await me(two)).user, null);
    assert.equal(
      (await as(server.app, { session: two }, { method: 'DELETE', url: '/api/sessions' })).statusCode,
      204,
    );
    assert.equal((await me(three)).user, null);
  });

  it('ends the sessions of a user whose password is reset, or who is disabled', async () => {
    const reset = await supervisor(server.app, null);
    const patch = (id: string, payload: object) =>
      server.app.inject({ method: 'PATCH', url: `/api/users/${id}`, payload });
    assert.equal((await patch(reset.id, { password: 'another long password' })).statusCode, 200);
    assert.equal((await me(reset.session)).user, null);

    const disabled = await supervisor(server.app, null);
    const res = await patch(disabled.id, { disabled: true });
    assert.notEqual(res.json<{ disabledAt: string | null }>().disabledAt, null);
    assert.equal((await me(disabled.session)).user, null);
    const refused = await as(
      server.app,
      {},
      { method: 'POST', url: '/api/session', payload: { username: 'x', password: 'y' } },
    );
    assert.equal(refused.statusCode, 401);
  });

  it('refuses to disable or demote the last administrator', async () => {
    const users = (await server.app.inject({ method: 'GET', url: '/api/users' })).json<
      { id: string; role: string }[]
    >();
    const admins = users.filter((u) => u.role === 'admin');
    assert.equal(admins.length, 1);
    const res = await server.app.inject({
      method: 'PATCH',
      url: `/api/users/${admins[0]!.id}`,
      payload: { role: 'supervisor' },
    });
    assert.equal(res.statusCode, 409);
    assert.match(res.json<ApiError>().message, /last administrator/);
  });

  it('refuses a password under 10 characters, and a username taken in another case', async () => {
    const short = await server.app.inject({
      method: 'POST',
      url: '/api/users',
      payload: { username: 'eve', password: 'short', role: 'supervisor', formIds: null },
    });
    assert.equal(short.statusCode, 400);
    assert.match(short.json<ApiError>().message, /at least 10 characters/);
    const taken = await server.app.inject({
      method: 'POST',
      url: '/api/users',
      payload: { username: 'amina', password: TEST_PASSWORD, role: 'admin', formIds: null },
    });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.json<ApiError>().message, /"Amina" is taken/);
  });
  // Last, as they move the clock on by days: each signs the administrator in again first.
  const administrator = () => signIn(server.app, server.credentials!.admin.username);

  it('ends a session after 12 hours without use, and moves the end on with each use', async () => {
    const { session } = await supervisor(server.app, null, await administrator());
    clock.advance(11 * HOUR);
    assert.notEqual((await me(session)).user, null);
    clock.advance(11 * HOUR);
    assert.notEqual((await me(session)).user, null, '11 hours after the last use');
    clock.advance(12 * HOUR);
    assert.equal((await me(session)).user, null);
    const refused = await as(server.app, { session }, { method: 'GET', url: '/api/submissions' });
    assert.equal(refused.statusCode, 401);
    assert.equal(
      await server.repository.getSession(secretHash(session)),
      undefined,
      'an ended session is deleted',
    );

    const forgotten = await supervisor(server.app, null, await administrator());
    clock.advance(13 * HOUR);
    await administrator();
    assert.equal(
      await server.repository.getSession(secretHash(forgotten.session)),
      undefined,
      'one never presented again goes at the next sign-in',
    );
  });

  it('ends a session 7 days after sign-in however much it is used', async () => {
    const { session } = await supervisor(server.app, null, await administrator());
    const signedInAt = clock.now().getTime();
    for (let hours = 10; hours < 7 * 24; hours += 10) {
      clock.advance(10 * HOUR);
      assert.notEqual((await me(session)).user, null, `${hours} hours after sign-in`);
    }
    const last = await me(session);
    assert.equal(last.user?.sessionExpiresAt, new Date(signedInAt + 7 * 24 * HOUR).toISOString());
    clock.advance(7 * 24 * HOUR - (clock.now().getTime() - signedInAt));
    assert.equal((await me(session)).user, null);
  });
});

describe('requests from other sites', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const revoke = (headers: Record<string, string | undefined>) =>
    server.app.inject({
      method: 'POST',
      url: '/api/enrollments',
      headers,
      payload: { name: 'Phone', formIds: null, kiosk: false },
    });

  it('refuses a change without X-Fieldsync-Request: 1, before anything else', async () => {
    for (const value of [undefined, '0', 'true']) {
      const res = await revoke({ 'x-fieldsync-request': value });
      assert.equal(res.statusCode, 403, String(value));
      assert.equal(res.json<ApiError>().error, 'csrf');
    }
    const signIn = await as(
      server.app,
      {},
      { method: 'POST', url: '/api/session', headers: { 'x-fieldsync-request': undefined }, payload: {} },
    );
    assert.equal(
      signIn.json<ApiError>().error,
      'csrf',
      'signing in too: no one may be signed in by another site',
    );
  });

  it('refuses a change whose Origin or Sec-Fetch-Site says another site', async () => {
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      const res = await revoke(headers);
      assert.equal(res.statusCode, 403, JSON.stringify(headers));
      assert.equal(res.json<ApiError>().error, 'csrf');
    }
  });

  it('takes a change from its own origin, and reads without the header', async () => {
    const res = await revoke({
      origin: 'http://localhost:80',
      'sec-fetch-site': 'same-origin',
      host: 'localhost:80',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.json<{ url: string }>().url, /^http:\/\/localhost\/enroll#code=[\w-]{43}$/);
    const read = await server.app.inject({
      method: 'GET',
      url: '/api/devices',
      headers: { 'x-fieldsync-request': undefined },
    });
    assert.equal(read.statusCode, 200);
  });
});

describe('password hashes', () => {
  const costOf = async (server: TestServer, id: string): Promise<number> => {
    const hash = (await server.repository.getUser(id))?.passwordHash ?? '';
    const match = /^scrypt\$(\d+)\$8\$1\$/.exec(hash);
    assert.ok(match, `a scrypt hash: ${hash.slice(0, 12)}…`);
    return Number(match[1]);
  };

  it('are scrypt at N = 2^15 unless the server is told otherwise', async () => {
    // Undefined rather than absent: the test servers' own cheaper cost steps aside.
    const server = await startTestServer({ passwordHashCost: undefined });
    try {
      const id = await createUser(server.app, 'default-cost', 'supervisor');
      assert.equal(await costOf(server, id), DEFAULT_HASH_COST);
      assert.equal(DEFAULT_HASH_COST, 15);
      await signIn(server.app, 'default-cost');
    } finally {
      await server.close();
    }
  });

  it('made at another cost still sign in once the cost changes, as each hash names its own', async () => {
    const cheap = await startTestServer({ passwordHashCost: TEST_HASH_COST });
    const { dataDir, databaseUrl, photoStore } = cheap;
    try {
      const id = await createUser(cheap.app, 'made-cheaply', 'supervisor');
      assert.equal(await costOf(cheap, id), TEST_HASH_COST);
      await cheap.app.close();
      const dearer = await startTestServer({
        dataDir,
        databaseUrl,
        photoStore,
        accounts: false,
        passwordHashCost: TEST_HASH_COST + 2,
      });
      try {
        await signIn(dearer.app, 'made-cheaply');
      } finally {
        await dearer.app.close();
      }
    } finally {
      await removeStore({ dataDir, databaseUrl, photoStore });
    }
  });
});
