import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Fastify, { type RouteOptions } from 'fastify';
import { canonicalPayload } from '../../shared/canonical.js';
import type { ApiError, Receipt, SubmissionPayload } from '../../shared/submission.js';
import api from '../../server/api.js';
import { PROJECT_ROOT } from '../../server/paths.js';
import { CurrentReference } from '../../server/current-reference.js';
import { loadFormsDir } from '../../server/forms-dir.js';
import { publishReference } from '../../server/reference.js';
import { ajvFormats } from '../../server/schemas.js';
import { compileDeferred, deferredCompilers } from '../../server/schema-compilers.js';
import { closeStores, openStores } from '../../server/storage/stores.js';
import {
  DEMO_FORMS_DIR,
  fakePhoto,
  photoRef,
  putPhoto,
  putSubmission,
  startTestServer,
  storedPhotosPayload,
  freshStore,
  removeStore,
  TEST_HASH_COST,
  validPayload,
  type TestServer,
} from './helpers.js';

/** "METHOD /api/path/:param" → the statuses the endpoint's table in docs/api.md lists. */
function documentedStatuses(markdown: string): Map<string, number[]> {
  const documented = new Map<string, number[]>();
  for (const section of markdown.split(/^### /m).slice(1)) {
    const heading = /^([A-Z]+(?: and [A-Z]+)*) (\/api\/\S*)\n/.exec(section);
    if (!heading?.[1] || !heading[2]) continue;
    const body = section.split(/^## /m)[0] ?? '';
    const statuses = new Set([...body.matchAll(/^\| (\d{3}) /gm)].map((m) => Number(m[1])));
    const path = heading[2].replace(/\{(\w+)\}/g, ':$1');
    for (const method of heading[1].split(' and ')) {
      documented.set(`${method} ${path}`, [...statuses].sort());
    }
  }
  return documented;
}

describe('the response schemas', () => {
  it('declare for each API route the statuses docs/api.md lists for it, and 500', async () => {
    const store = await freshStore('responses');
    const stores = await openStores({ ...store, photoMaxBytes: 1024 * 1024 });
    const fastify = Fastify({ ajv: { customOptions: { formats: ajvFormats } } });
    try {
      const routes: RouteOptions[] = [];
      fastify.addHook('onRoute', (route) => void routes.push(route));
      const published = await publishReference(loadFormsDir(DEMO_FORMS_DIR), stores.repository);
      const reference = new CurrentReference(stores.repository, published, fastify.log);
      await fastify.register(api, {
        prefix: '/api',
        repo: stores.repository,
        photos: stores.photos,
        reference,
        version: '0.0.0',
        passwordCost: TEST_HASH_COST,
        flagSettings: { photoFarMetres: 200, lateAfterHours: 48 },
      });

      const declared = new Map<string, number[]>();
      for (const route of routes) {
        const response = (route.schema?.response ?? {}) as Record<string, unknown>;
        const statuses = Object.keys(response).map(Number).sort();
        for (const method of [route.method].flat()) declared.set(`${method} ${route.url}`, statuses);
      }
      const documented = documentedStatuses(readFileSync(join(PROJECT_ROOT, 'docs', 'api.md'), 'utf8'));
      assert.ok(documented.size >= 8, `found ${[...documented.keys()].join(', ')}`);
      for (const [route, statuses] of documented) {
        assert.deepEqual(declared.get(route), [...statuses, 500].sort(), route);
      }
      // Fastify answers HEAD for each GET by itself; every other route is documented.
      for (const route of declared.keys()) {
        if (!route.startsWith('HEAD ')) assert.ok(documented.has(route), `${route} is not in docs/api.md`);
      }
    } finally {
      await fastify.close();
      await closeStores(stores);
      await removeStore(store);
    }
  });
});

describe('schemas compiled at first use', () => {
  it('come from one copy of Ajv, for validators and serializers alike', () => {
    // Three nested copies would each be loaded at every start (ajv is a direct dependency so that npm hoists one).
    const from = (...chain: string[]) =>
      chain.reduce((at, name) => createRequire(at).resolve(name), fileURLToPath(import.meta.url));
    const validators = from('@fastify/ajv-compiler', 'ajv');
    assert.equal(from('@fastify/ajv-compiler', 'ajv-formats', 'ajv'), validators);
    assert.equal(from('@fastify/fast-json-stringify-compiler', 'fast-json-stringify', 'ajv'), validators);
  });

  it('compile for every route of the whole server', async () => {
    const server = await startTestServer();
    try {
      // Throws on the first that cannot; those its routes' first requests compiled already passed.
      compileDeferred();
      assert.equal(compileDeferred(), 0);
    } finally {
      await server.close();
    }
  });

  it('still refuse a bad request and shape an answer, and a schema that cannot compile fails its route', async () => {
    const fastify = Fastify({
      schemaController: deferredCompilers,
      ajv: { customOptions: { formats: ajvFormats } },
    });
    try {
      fastify.post(
        '/echo',
        {
          schema: {
            body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
            response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
          },
        },
        async (request) => ({ ...(request.body as object), secret: 'left out' }),
      );
      fastify.get('/broken', { schema: { querystring: { type: 'no such type' } } }, async () => 'never');
      await fastify.ready();

      const bad = await fastify.inject({ method: 'POST', url: '/echo', payload: { n: 'one' } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json<{ message: string }>().message, /body\/n must be integer/);
      const good = await fastify.inject({ method: 'POST', url: '/echo', payload: { n: 1 } });
      assert.deepEqual(good.json(), { n: 1 });

      assert.equal((await fastify.inject({ method: 'GET', url: '/broken' })).statusCode, 500);
      assert.throws(() => compileDeferred(), /no such type/);
    } finally {
      await fastify.close();
    }
  });
});

describe('answers written through the response schemas', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('send a stored submission as before: its canonical form, then its receipt, nothing left out', async () => {
    const bytes = fakePhoto();
    await putPhoto(server.app, bytes);
    const ref = {
      ...photoRef(bytes),
      geotag: {
        lat: -0.15,
        lon: 34.47,
        accuracy: null,
        time: '2026-11-20T12:30:00+03:00',
        source: 'exif' as const,
      },
    };
    const sent: SubmissionPayload = validPayload([ref], {
      referenceVersion: '"Wb_L5mtL19WSg7bB_QCF8dVncYWzCJQiIvmVgy0bvOc"',
      answers: { notes: '', flow_rate: 3 },
    });
    const put = await putSubmission(server.app, sent);
    assert.equal(put.statusCode, 201, put.body);
    const expected = JSON.stringify({
      ...canonicalPayload(sent),
      receipt: put.json<Receipt>(),
      sentBy: server.sentBy,
    });

    const one = await server.app.inject({ method: 'GET', url: `/api/submissions/${sent.id}` });
    assert.equal(one.body, expected);
    const page = await server.app.inject({ method: 'GET', url: '/api/submissions?limit=1' });
    assert.equal(page.body, `{"items":[${expected}],"nextCursor":null}`);
  });

  it('send every property of an error body', async () => {
    const lacking = validPayload([photoRef(fakePhoto())]);
    const missing = await putSubmission(server.app, lacking);
    assert.deepEqual(Object.keys(missing.json<ApiError>()), ['error', 'message', 'missing']);

    const invalid = await storedPhotosPayload(server.app);
    const refused = await putSubmission(server.app, {
      ...invalid,
      answers: { ...invalid.answers, people_served: -1 },
    });
    assert.equal(refused.statusCode, 422);
    const body = refused.json<ApiError>();
    assert.deepEqual(Object.keys(body), ['error', 'message', 'field', 'problems']);
    assert.deepEqual(body.problems, [
      { field: 'people_served', message: 'People served cannot be negative.' },
    ]);

    const shape = await putSubmission(server.app, { ...invalid, formVersion: '1' });
    assert.deepEqual(shape.json<ApiError>(), {
      error: 'bad_request',
      message: 'The property "formVersion" must be a whole number.',
      field: 'formVersion',
    });
  });
});
