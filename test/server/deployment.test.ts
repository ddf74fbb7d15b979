/**
 * The sample deployment in docs/deploy/ as an operator copies it: nginx
 * with that configuration in front of two server instances on one
 * PostgreSQL database and one bucket, configured by the variables of the
 * sample environment file. Devices send through nginx while an instance
 * dies; nothing is lost or stored twice.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig } from '../../server/config.js';
import { PROJECT_ROOT } from '../../server/paths.js';
import type { Receipt, SubmissionPage } from '../../shared/submission.js';
import { makeCertificate } from './certificate.js';
import {
  credentialHeaders,
  fakePhoto,
  freshStore,
  photoRef,
  postgresSuite,
  removeStore,
  sha256Hex,
  storeCredentials,
  storeEnv,
  tempDir,
  validPayload,
  type TestStore,
} from './helpers.js';
import { startServerProcess, type ServerProcess } from './process.js';
import { freePort } from './free-port.js';

const DEPLOY = join(PROJECT_ROOT, 'docs', 'deploy');
/** Debian puts nginx in /usr/sbin, which is not on every user's PATH. */
const NGINX = process.env.NGINX ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

/** The variables the sample environment file sets, by name. */
function sampleEnv(): Map<string, string> {
  const lines = readFileSync(join(DEPLOY, 'fieldsync.env'), 'utf8').split('\n');
  const pairs = lines
    .filter((l) => /^[A-Z_0-9]+=/.test(l))
    .map((l) => l.split(/=(.*)/s, 2) as [string, string]);
  return new Map(pairs);
}

interface Answer {
  status: number;
  body: string;
}

/** The cookies of a device and an administrator created in the store, and X-Fieldsync-Request. */
let credentials: Record<string, string> = {};

function send(base: string, ca: Buffer, method: string, path: string, body?: Buffer | string, type?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method, ca, headers: type ? { ...credentials, 'content-type': type } : credentials },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

postgresSuite('the sample deployment (docs/deploy)', () => {
  const dir = tempDir('deployment');
  let store: TestStore;
  let nginx: ChildProcess | null = null;
  const instances: ServerProcess[] = [];
  let base = '';
  let ca: Buffer;

  before(async () => {
    const nginxFound = spawnSync(NGINX, ['-v']);
    if (nginxFound.error) assert.fail('This test needs nginx (Debian: apt-get install nginx-light).');
    store = await freshStore('deployment');
    credentials = credentialHeaders(await storeCredentials(store));
    const { certPath, keyPath } = makeCertificate(dir);
    ca = readFileSync(certPath);
    const [http, https, first, second] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);

    const site = readFileSync(join(DEPLOY, 'nginx.conf'), 'utf8')
      .replace('/etc/letsencrypt/live/fieldsync.example.org/fullchain.pem', certPath)
      .replace('/etc/letsencrypt/live/fieldsync.example.org/privkey.pem', keyPath)
      .replace('listen 80;', `listen 127.0.0.1:${http};`)
      .replace('listen 443 ssl http2;', `listen 127.0.0.1:${https} ssl http2;`)
      .replace('127.0.0.1:8081', `127.0.0.1:${first}`)
      .replace('127.0.0.1:8082', `127.0.0.1:${second}`);
    assert.ok(
      site.includes(`127.0.0.1:${second}`) && site.includes(certPath),
      'the sample has the expected shape',
    );
    const temp = join(dir, 'nginx-temp');
    mkdirSync(temp);
    // Run as root, nginx's workers are nobody: they must be able to buffer bodies here.
    chmodSync(dir, 0o755);
    chmodSync(temp, 0o777);
    writeFileSync(join(dir, 'site.conf'), site);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\ndaemon off;\nevents {}\n` +
        `http { access_log off; client_body_temp_path ${temp}; proxy_temp_path ${temp}; include ${dir}/site.conf; }\n`,
    );

    // The sample's variables, with this test's database and bucket for its placeholders.
    const sample = sampleEnv();
    const env: Record<string, string> = {
      ...Object.fromEntries(sample),
      FORMS_DIR: join(PROJECT_ROOT, 'server', 'demo-forms'),
      ...storeEnv(store),
      APP_DIR: join(dir, 'no-app'),
    };
    assert.ok(
      loadConfig(env).databaseUrl && loadConfig(env).photoStore,
      'the sample sets both shared stores',
    );
    for (const port of [first, second])
      instances.push(await startServerProcess({ ...env, PORT: String(port) }));

    nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    base = `https://127.0.0.1:${https}`;
    // nginx answers once its workers listen; until then the connection is refused.
    for (;;) {
      const answer = await send(base, ca, 'GET', '/api/health').catch(() => null);
      if (answer?.status === 200) break;
      if (nginx.exitCode !== null) assert.fail(readFileSync(join(dir, 'error.log'), 'utf8'));
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    nginx?.kill('SIGTERM');
    for (const p of instances) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
    await removeStore(store);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes every submission through nginx, once, while one instance dies', async () => {
    const receipts = new Map<string, Receipt>();
    for (let i = 0; i < 24; i++) {
      if (i === 8) {
        instances[0]!.child.kill('SIGKILL');
        await instances[0]!.exited;
      }
      const photo = fakePhoto('image/jpeg', 30_000);
      const payload = validPayload([photoRef(photo)]);
      const stored = await send(base, ca, 'PUT', `/api/photos/${sha256Hex(photo)}`, photo, 'image/jpeg');
      assert.equal(stored.status, 201, stored.body);
      const sent = await send(
        base,
        ca,
        'PUT',
        `/api/submissions/${payload.id}`,
        JSON.stringify(payload),
        'application/json',
      );
      assert.equal(sent.status, 201, sent.body);
      receipts.set(payload.id, JSON.parse(sent.body) as Receipt);
    }
    const page = JSON.parse(
      (await send(base, ca, 'GET', '/api/submissions?limit=100')).body,
    ) as SubmissionPage;
    assert.deepEqual(page.items.map((s) => s.id).sort(), [...receipts.keys()].sort());
    for (const item of page.items) assert.deepEqual(item.receipt, receipts.get(item.id));
  });
});
