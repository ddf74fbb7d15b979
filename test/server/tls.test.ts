import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Health } from '../../shared/submission.js';
import { sqliteSuite, tempDir } from './helpers.js';
import { makeCertificate } from './certificate.js';
import { startServerProcess } from './process.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpsGet(url: string, ca: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

// The listener, not the stores: the SQLite pass covers it for both.
sqliteSuite('HTTPS', () => {
  const dir = tempDir('tls');
  let certPath = '';
  let keyPath = '';

  before(() => {
    ({ certPath, keyPath } = makeCertificate(dir));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS with HSTS when TLS_CERT and TLS_KEY are set', async () => {
    const server = await startServerProcess({
      DATA_DIR: join(dir, 'data'),
      APP_DIR: join(dir, 'no-app'),
      TLS_CERT: certPath,
      TLS_KEY: keyPath,
    });
    try {
      assert.match(server.url, /^https:\/\//);
      const res = await httpsGet(`${server.url}/api/health`, readFileSync(certPath));
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body) as Health).ok, true);
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
