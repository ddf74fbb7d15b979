import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { CurrentReference } from '../../server/current-reference.js';
import { preferredEncoding } from '../../server/encoded-body.js';
import { loadFormsDir } from '../../server/forms-dir.js';
import { publishReference } from '../../server/reference.js';
import type { Repository } from '../../server/storage/repository.js';
import { openRepository } from '../../server/storage/stores.js';
import {
  DEMO_FORMS_DIR,
  demoForm,
  demoV2,
  freshStore,
  formsDirMaker,
  removeStore,
  TEST_BACKEND,
} from './helpers.js';

/** The repository, counting how often each operation is called. */
function counting(repo: Repository): { repo: Repository; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const counted = new Proxy(repo, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { repo: counted, calls };
}

describe(`the reference data a server serves (${TEST_BACKEND})`, () => {
  const formsDir = formsDirMaker();

  it('reads only the number of the current revision per request, and a new body once however many ask at once', async () => {
    const store = await freshStore('current');
    const repo = await openRepository(store);
    try {
      await repo.migrate();
      const { repo: counted, calls } = counting(repo);
      const messages: string[] = [];
      const log = { info: (m: string) => messages.push(m), warn: (m: string) => messages.push(m) };
      const published = await publishReference(loadFormsDir(DEMO_FORMS_DIR), repo);
      const references = new CurrentReference(counted, published, log);

      for (let i = 0; i < 5; i++) assert.equal(await references.current(), published.reference);
      assert.equal(calls.get('currentReferenceHead'), 5);
      assert.equal(calls.get('getReferenceRevision'), undefined, 'the 1.4 MB body is not read again');

      // Another server publishes.
      const dir = formsDir({ 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 });
      const other = await publishReference(loadFormsDir(dir), repo);
      const answers = await Promise.all(Array.from({ length: 20 }, () => references.current()));
      assert.equal(calls.get('getReferenceRevision'), 1);
      assert.ok(answers.every((r) => r === answers[0]));
      assert.equal(answers[0]!.etag, other.reference.etag);
      assert.equal(answers[0]!.json, other.reference.json);
      assert.equal(await references.current(), answers[0]);
      assert.equal(calls.get('getReferenceRevision'), 1);
      assert.match(messages.join('\n'), /Now serving reference data revision 2/);

      // Compressed once per coding, and the same bytes after.
      const br = await answers[0]!.encoded('br');
      assert.equal(await answers[0]!.encoded('br'), br);
      assert.equal(brotliDecompressSync(br).toString('utf8'), other.reference.json);
      assert.equal(gunzipSync(await answers[0]!.encoded('gzip')).toString('utf8'), other.reference.json);
    } finally {
      await repo.close();
      await removeStore(store);
    }
  });
});

describe('the coding of the reference data', () => {
  it('is the one the client weights highest, brotli on a tie, none when it accepts neither', () => {
    const cases: [string | undefined, string | null][] = [
      [undefined, null],
      ['', null],
      ['identity', null],
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['br;q=0.5, gzip;q=0.8', 'gzip'],
      ['br;q=0, *', 'gzip'],
      ['*', 'br'],
      ['gzip;q=0, br;q=0', null],
      ['GZIP', 'gzip'],
    ];
    for (const [header, expected] of cases) assert.equal(preferredEncoding(header), expected, String(header));
  });
});
