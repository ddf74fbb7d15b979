/** The first administrator, from the set-up link a first start prints, and the admin command. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceInfo, Me } from '../../shared/accounts.js';
import type { ApiError } from '../../shared/submission.js';
import { PROJECT_ROOT } from '../../server/paths.js';
import { as, signIn } from './accounts-helpers.js';
import {
  freshStore,
  removeStore,
  startTestServer,
  storeEnv,
  TEST_PASSWORD,
  type TestStore,
} from './helpers.js';
import { startServerProcess, until, type ServerProcess } from './process.js';

const ADMIN_CLI = join(PROJECT_ROOT, 'dist', 'server', 'server', 'admin', 'cli.js');

/** The server's start-up lines are all out once it has said what phones need (the last of them). */
const STARTED = /Off this machine, phones need HTTPS/;
const LINK = /(http:\/\/127\.0\.0\.1:\d+)\/setup#token=([\w-]{43})/;

/** Runs `npm run admin -- …` on the store (built already), with what to type on standard input. */
function admin(
  store: TestStore,
  args: string[],
  input = '',
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [ADMIN_CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...storeEnv(store), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('the first start', () => {
  let store: TestStore;
  const running: ServerProcess[] = [];
  before(async () => (store = await freshStore('setup')));
  after(async () => {
    for (const p of running) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
    await removeStore(store);
  });

  const start = async (): Promise<ServerProcess> => {
    const p = await startServerProcess({ ...storeEnv(store), APP_DIR: join(store.dataDir, 'no-app') });
    running.push(p);
    await until(() => STARTED.test(p.output()), 'the start-up lines');
    return p;
  };
  const setUp = (p: ServerProcess, token: string) =>
    fetch(`${p.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fieldsync-request': '1' },
      body: JSON.stringify({ token, username: 'first-admin', password: TEST_PASSWORD }),
    });

  it('prints a one-time set-up link on each start without an administrator, then none', async () => {
    const first = await start();
    const [, origin, oldToken] = LINK.exec(first.output()) ?? [];
    assert.equal(origin, first.url, first.output());
    assert.ok(first.output().indexOf('Fieldsync is running') < first.output().indexOf('/setup#token='));
    // Test servers hash cheaply (process.ts), and the server says what that means. Its log lines
    // are written asynchronously, so the warning may come after the lines printed at start.
    const cheap = /PASSWORD_HASH_COST is 10, below 15: passwords set now are cheaper to guess/;
    await until(() => cheap.test(first.output()), 'the warning about the hash cost');
    first.child.kill('SIGTERM');
    await first.exited;

    const second = await start();
    const [, , token] = LINK.exec(second.output()) ?? [];
    assert.ok(token && token !== oldToken, 'a new token each start');
    const me = (await (await fetch(`${second.url}/api/me`)).json()) as Me;
    assert.equal(me.setupNeeded, true);

    const done = await setUp(second, token);
    assert.equal(done.status, 201, await done.clone().text());
    const body = (await done.json()) as Me;
    assert.equal(body.user?.role, 'admin');
    assert.equal(body.setupNeeded, false);
    const cookie = done.headers.get('set-cookie') ?? '';
    const [pair = '', ...attributes] = cookie.split('; ');
    assert.match(pair, /^fs_session=[\w-]{43}$/);
    assert.deepEqual(attributes.sort(), ['HttpOnly', 'Path=/', 'SameSite=Strict']);
    const users = await fetch(`${second.url}/api/users`, { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(users.status, 200);

    const again = await setUp(second, token);
    assert.equal(again.status, 409);
    const older = await setUp(second, oldToken!);
    assert.equal(older.status, 409, 'the first set-up ended every other link');
    assert.match(((await older.json()) as ApiError).message, /already has an administrator/);
    second.child.kill('SIGTERM');
    await second.exited;

    const third = await start();
    assert.doesNotMatch(third.output(), /setup#token=/);
  });
});

describe('npm run admin', () => {
  let store: TestStore;
  before(async () => (store = await freshStore('admin-cli')));
  after(() => removeStore(store));

  it('explains itself, and refuses what it cannot do', async () => {
    const help = await admin(store, ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /create-user --username NAME --role admin\|supervisor/);
    const unknown = await admin(store, ['make-coffee']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /There is no command "make-coffee"/);
    const missing = await admin(store, ['create-user', '--role', 'admin']);
    assert.equal(missing.code, 2);
    assert.match(missing.out, /needs --username/);
    const short = await admin(store, ['create-user', '--username', 'x', '--role', 'admin'], 'short\n');
    assert.equal(short.code, 1);
    assert.match(short.out, /at least 10 characters/);
  });

  it('prints a set-up link while there is no administrator', async () => {
    const link = await admin(store, ['setup-link']);
    assert.equal(link.code, 0, link.out);
    assert.match(link.out, /http:\/\/localhost:8080\/setup#token=[\w-]{43}/);
  });

  it('creates a user who can then sign in, resets a password, enrolls, lists and revokes devices', async () => {
    const created = await admin(
      store,
      ['create-user', '--username', 'Amina', '--role', 'supervisor', '--forms', 'water-point-inspection'],
      'a long passphrase\n',
    );
    assert.equal(created.code, 0, created.out);
    assert.match(created.out, /Created supervisor "Amina"/);
    assert.doesNotMatch(created.out, /PASSWORD_HASH_COST/, 'no warning at the default cost');

    const server = await startTestServer({ ...store });
    try {
      const session = await signIn(server.app, 'amina', 'a long passphrase');
      const me = (await as(server.app, { session }, { method: 'GET', url: '/api/me' })).json<Me>();
      assert.deepEqual(me.user?.formIds, ['water-point-inspection']);

      // At a test server's cost the command says what that means, and the password still works.
      const reset = await admin(store, ['reset-password', '--username', 'AMINA'], 'another passphrase\n', {
        PASSWORD_HASH_COST: '10',
      });
      assert.equal(reset.code, 0, reset.out);
      assert.match(reset.out, /PASSWORD_HASH_COST is 10, below 15: passwords set now are cheaper to guess/);
      assert.equal(
        (await as(server.app, { session }, { method: 'GET', url: '/api/submissions' })).statusCode,
        401,
      );
      await signIn(server.app, 'amina', 'another passphrase');

      const { id } = server.credentials!.device;
      const listed = await admin(store, ['list-devices']);
      assert.match(listed.out, new RegExp(`${id}  Test phone: every form; enrolled`));
      const revoked = await admin(store, ['revoke-device', id]);
      assert.equal(revoked.code, 0, revoked.out);
      const devices = (await server.app.inject({ method: 'GET', url: '/api/devices' })).json<DeviceInfo[]>();
      assert.notEqual(devices.find((d) => d.id === id)?.revokedAt, null);
      const refused = await as(
        server.app,
        { device: server.credentials!.device.credential },
        { method: 'GET', url: '/api/reference' },
      );
      assert.equal(refused.statusCode, 401);

      const link = await admin(store, ['create-enrollment', '--name', 'Gate tablet', '--kiosk']);
      assert.equal(link.code, 0, link.out);
      const code = /http:\/\/localhost:8080\/enroll#code=([\w-]{43})/.exec(link.out)?.[1];
      const enrolled = await as(server.app, {}, { method: 'POST', url: '/api/enroll', payload: { code } });
      assert.equal(enrolled.statusCode, 200, enrolled.body);
      assert.deepEqual(
        { ...enrolled.json<object>(), id: undefined },
        {
          id: undefined,
          name: 'Gate tablet',
          kiosk: true,
          formIds: null,
        },
      );

      const noLink = await admin(store, ['setup-link']);
      assert.equal(noLink.code, 2);
      assert.match(noLink.out, /already has an administrator/);
    } finally {
      await server.app.close();
    }
  });
});
