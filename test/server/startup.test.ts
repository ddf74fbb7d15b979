import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, DEFAULT_PHOTO_MAX_BYTES, loadConfig } from '../../server/config.js';
import { PROJECT_ROOT } from '../../server/paths.js';
import { tempDir } from './helpers.js';
import { failedStart } from './process.js';

describe('configuration', () => {
  it('uses the documented defaults, relative to the project root', () => {
    const config = loadConfig({}, '/somewhere/else');
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, join(PROJECT_ROOT, 'data'));
    assert.equal(config.formsDir, join(PROJECT_ROOT, 'server', 'demo-forms'));
    assert.equal(config.appDir, join(PROJECT_ROOT, 'dist', 'app'));
    assert.equal(config.photoMaxBytes, DEFAULT_PHOTO_MAX_BYTES);
    assert.equal(config.photoMaxBytes, 15 * 1024 * 1024);
    assert.equal(config.tls, null);
  });

  it('reads paths given in the environment relative to the current directory', () => {
    const config = loadConfig(
      { DATA_DIR: 'store', FORMS_DIR: '/abs/forms', PORT: '3000', PHOTO_MAX_BYTES: '2000000' },
      '/srv/app',
    );
    assert.equal(config.dataDir, '/srv/app/store');
    assert.equal(config.formsDir, '/abs/forms');
    assert.equal(config.port, 3000);
    assert.equal(config.photoMaxBytes, 2_000_000);
  });

  it('lists every bad value in one error naming the variables', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', PHOTO_MAX_BYTES: '-5', TLS_CERT: '/x.pem' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 3);
        assert.match(err.message, /PORT must be a whole number/);
        assert.match(err.message, /PHOTO_MAX_BYTES/);
        assert.match(err.message, /both TLS_CERT and TLS_KEY/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
    assert.throws(
      () => loadConfig({ TLS_CERT: '/no/cert.pem', TLS_KEY: '/no/key.pem' }),
      /TLS_CERT: cannot read/,
    );
  });
});

describe('start-up failures', () => {
  const dir = tempDir('startup');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops with a message naming the broken form file', async () => {
    const formsDir = join(dir, 'forms');
    mkdirSync(formsDir);
    writeFileSync(join(formsDir, 'inspection.json'), '{"id": "inspection", "version": 1,');
    const { code, output } = await failedStart({ DATA_DIR: join(dir, 'data'), FORMS_DIR: formsDir });
    assert.equal(code, 1);
    assert.ok(output.includes(join(formsDir, 'inspection.json')), output);
    assert.match(output, /not valid JSON/);
  });

  it('stops with a message naming the photo bucket when it cannot be reached', async () => {
    const { code, output } = await failedStart({
      DATA_DIR: join(dir, 'data'),
      PHOTO_STORE: 's3://no-such-bucket/photos',
      // Nothing listens on port 9 of the loopback: the connection is refused at once.
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'key',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_MAX_ATTEMPTS: '1',
    });
    assert.equal(code, 1);
    assert.match(output, /Cannot start: The photo bucket "no-such-bucket" cannot be reached/);
    assert.match(output, /Check PHOTO_STORE, AWS_ENDPOINT_URL_S3/);
  });

  it('stops with a message naming a bad variable', async () => {
    const { code, output } = await failedStart({ DATA_DIR: join(dir, 'data'), PORT: 'x' });
    assert.equal(code, 1);
    assert.match(output, /PORT must be a whole number/);
  });
});
