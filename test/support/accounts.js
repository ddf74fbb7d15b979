// Accounts for the browser tests, made as an operator makes them: the first
// administrator with `npm run admin -- create-user` (the built CLI, on the
// test server's data directory), then signing in over the API. The
// administrator creates enrollment codes; the browser under test redeems
// them itself (POST /api/enroll from its page or its context), so it holds
// the HttpOnly device cookie exactly as an enrolled phone does.
import { spawn } from 'node:child_process';

export const ADMIN_USERNAME = 'test-admin';
/** Only ever used on the throw-away servers of the tests. */
export const ADMIN_PASSWORD = 'test-admin-password';
/** The header every request that changes something must carry (shared/accounts.ts REQUEST_HEADER). */
export const CHANGE_HEADERS = { 'x-fieldsync-request': '1' };

/**
 * Runs `npm run admin -- <args>` (the built CLI) on the server's stores (the
 * variables env names: DATA_DIR, DATABASE_URL…), with stdin as standard
 * input (a password, as a script gives it); resolves to what it printed.
 *
 * @param {string} cli the built dist/server/server/admin/cli.js
 * @param {Record<string, string>} env
 * @param {string[]} args
 * @param {string} [stdin]
 * @returns {Promise<string>}
 */
export function runAdminCli(cli, env, args, stdin = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let errors = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (errors += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`npm run admin -- ${args[0]} failed (code ${code}): ${errors}`));
    });
    child.stdin.end(stdin);
  });
}

/**
 * Creates the test administrator with the admin CLI, giving the password on
 * standard input.
 *
 * @param {string} cli the built dist/server/server/admin/cli.js
 * @param {Record<string, string>} env
 * @returns {Promise<void>}
 */
export async function createAdministrator(cli, env) {
  await runAdminCli(
    cli,
    env,
    ['create-user', '--username', ADMIN_USERNAME, '--role', 'admin'],
    `${ADMIN_PASSWORD}\n`,
  );
}

/**
 * An administrator signed in on a server: requests carry the session cookie.
 */
export class AdminClient {
  /** @param {string} baseUrl @param {string} cookie "fs_session=…" */
  constructor(baseUrl, cookie) {
    this.baseUrl = baseUrl;
    this.cookie = cookie;
  }

  /**
   * Signs the test administrator in.
   *
   * @param {string} baseUrl
   * @returns {Promise<AdminClient>}
   */
  static async signIn(baseUrl) {
    const res = await fetch(`${baseUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CHANGE_HEADERS },
      body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
    });
    if (!res.ok)
      throw new Error(`Signing in the test administrator failed: ${res.status} ${await res.text()}`);
    const line = res.headers.getSetCookie().find((c) => c.startsWith('fs_session='));
    if (!line) throw new Error('Signing in set no fs_session cookie.');
    return new AdminClient(baseUrl, line.split(';')[0]);
  }

  /**
   * A request as the administrator; a body is sent as JSON.
   *
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<Response>}
   */
  request(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { cookie: this.cookie };
    if (method !== 'GET' && method !== 'HEAD') Object.assign(headers, CHANGE_HEADERS);
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** @param {string} path @returns {Promise<Response>} */
  get(path) {
    return this.request('GET', path);
  }

  /**
   * A one-time enrollment code for a new device.
   *
   * @param {{ name?: string, formIds?: string[] | null, kiosk?: boolean }} [options]
   * @returns {Promise<{ deviceId: string, code: string, url: string, expiresAt: string }>}
   */
  async enrollment({ name = 'Test browser', formIds = null, kiosk = false } = {}) {
    const res = await this.request('POST', '/api/enrollments', { name, formIds, kiosk });
    if (res.status !== 201)
      throw new Error(`Creating an enrollment failed: ${res.status} ${await res.text()}`);
    return res.json();
  }

  /**
   * A device enrolled from here, for callers that are not browsers (a
   * benchmark's uploads): its cookie, "fs_device=…".
   *
   * @param {string} [name]
   * @returns {Promise<string>}
   */
  async deviceCookie(name = 'Benchmark device') {
    const { code } = await this.enrollment({ name });
    const res = await fetch(`${this.baseUrl}/api/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CHANGE_HEADERS },
      body: JSON.stringify({ code }),
    });
    const line = res.headers.getSetCookie().find((c) => c.startsWith('fs_device='));
    if (!res.ok || !line) throw new Error(`Enrolling a device failed: ${res.status} ${await res.text()}`);
    return line.split(';')[0];
  }

  /** Revokes a device. @param {string} id @returns {Promise<void>} */
  async revoke(id) {
    const res = await this.request('DELETE', `/api/devices/${id}`);
    if (!res.ok) throw new Error(`Revoking device ${id} failed: ${res.status} ${await res.text()}`);
  }

  /**
   * Every submission the server holds (newest first), following the cursor.
   *
   * @returns {Promise<import('../../shared/submission.js').ServerSubmission[]>}
   */
  async submissions() {
    const all = [];
    let cursor = null;
    do {
      const res = await this.get(`/api/submissions?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      if (!res.ok) throw new Error(`Listing submissions failed: ${res.status} ${await res.text()}`);
      const page = await res.json();
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }
}
