import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** A self-signed certificate for localhost and 127.0.0.1, made by the openssl command line tool. */
export function makeCertificate(dir: string): { certPath: string; keyPath: string } {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const version = spawnSync('openssl', ['version']);
  if (version.error || version.status !== 0) {
    assert.fail('The TLS tests need the openssl command line tool (Debian: apt-get install openssl).');
  }
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-nodes',
    '-days',
    '1',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  assert.equal(made.status, 0, `openssl failed: ${made.stderr.toString()}`);
  return { certPath, keyPath };
}
