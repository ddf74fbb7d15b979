import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { ApiError, Health } from '../../shared/submission.js';
import { sqliteSuite, startTestServer, tempDir, type TestServer } from './helpers.js';

const INDEX =
  '<!doctype html><title>Fieldsync</title><script type="module" src="/assets/x-abc123.js"></script>';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; " +
  "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; " +
  "form-action 'self'";

function assertSecurityHeaders(res: LightMyRequestResponse): void {
  assert.equal(res.headers['content-security-policy'], CSP);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.match(String(res.headers['permissions-policy']), /geolocation=\(self\)/);
  assert.match(String(res.headers['permissions-policy']), /camera=\(self\)/);
  assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
  // Plain HTTP: HSTS would be ignored by browsers and is only sent over TLS.
  assert.equal(res.headers['strict-transport-security'], undefined);
}

// Files and headers, not the stores: the SQLite pass covers them for both.
sqliteSuite('the page app and common headers', () => {
  let server: TestServer;
  let appDir: string;
  before(async () => {
    appDir = tempDir('app');
    mkdirSync(join(appDir, 'assets'));
    writeFileSync(join(appDir, 'index.html'), INDEX);
    writeFileSync(join(appDir, 'assets', 'x-abc123.js'), 'console.log("app");\n');
    writeFileSync(join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {});\n');
    writeFileSync(join(appDir, 'manifest.webmanifest'), '{"name":"Fieldsync"}');
    writeFileSync(join(appDir, '.env'), 'SECRET=1');
    server = await startTestServer({ appDir });
  });
  after(async () => {
    await server.close();
    rmSync(appDir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'GET', url, headers });

  it('serves index.html at / with no-cache', async () => {
    const res = await get('/', HTML);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.body, INDEX);
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  it('serves hashed assets as immutable for a year', async () => {
    const res = await get('/assets/x-abc123.js');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  it('serves the service worker and the manifest with no-cache', async () => {
    for (const url of ['/sw.js', '/manifest.webmanifest', '/index.html']) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
  });

  it('answers client-side routes with index.html when the browser asks for a page', async () => {
    for (const url of [
      '/outbox',
      '/forms/water-point-inspection',
      '/drafts/2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d',
      '/diagnostics',
    ]) {
      const res = await get(url, HTML);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, INDEX, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
  });

  it('answers a missing file with 404 when the request does not ask for a page', async () => {
    const asset = await get('/assets/gone-000000.js', { accept: '*/*' });
    assert.equal(asset.statusCode, 404);
    assert.equal(asset.json<ApiError>().error, 'not_found');
  });

  it('never answers API paths with the page', async () => {
    const res = await get('/api/not-a-route', HTML);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json<ApiError>().error, 'not_found');
  });

  it('does not serve dotfiles or paths outside the app folder', async () => {
    for (const url of [
      '/.env',
      '/..%2F..%2Fetc%2Fpasswd',
      '/assets/..%2F..%2F..%2Fetc%2Fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      const res = await get(url, { accept: '*/*' });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} → ${res.statusCode}`);
      assert.ok(!res.body.includes('SECRET') && !res.body.includes('root:'), url);
    }
  });

  it('sends the security headers on pages, assets, API answers and errors', async () => {
    for (const res of [
      await get('/', HTML),
      await get('/assets/x-abc123.js'),
      await get('/api/health'),
      await get('/api/nothing'),
      await server.app.inject({ method: 'PUT', url: '/api/submissions/x', payload: '{' }),
    ]) {
      assertSecurityHeaders(res);
    }
  });

  it('answers the health probe with ok, the version and no-store', async () => {
    const res = await get('/api/health');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json<Health>();
    assert.equal(body.ok, true);
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.ok(Math.abs(Date.parse(body.time) - Date.now()) < 60_000);
  });
});

sqliteSuite('without a built page app', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers / with a 503 saying to run npm run build, while the API works', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/', headers: HTML });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /npm run build/);
    assert.match(String(page.headers['content-type']), /^text\/plain/);
    const health = await server.app.inject({ method: 'GET', url: '/api/health' });
    assert.equal(health.statusCode, 200);
  });
});
