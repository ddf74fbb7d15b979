import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { FormDef, ReferenceData } from '../../shared/forms.js';
import type { ApiError } from '../../shared/submission.js';
import { FormsDirError, loadFormsDir, staleAfterHours } from '../../server/forms-dir.js';
import {
  DEMO_FORMS_DIR,
  demoForm,
  demoSites,
  formsDirMaker,
  putSubmission,
  startTestServer,
  storedPhotosPayload,
  type TestServer,
} from './helpers.js';

describe('GET /api/reference', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('returns the demo forms and choice lists with a strong ETag and no-cache', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/reference' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'private, no-cache');
    assert.match(String(res.headers.etag), /^"[A-Za-z0-9_-]+"$/);
    const body = res.json<ReferenceData>();
    assert.deepEqual(
      body.forms.find((f) => f.id === demoForm.id),
      demoForm,
    );
    assert.deepEqual(body.forms.map((f) => f.id).sort(), [
      'household-visit',
      'visitor-registration',
      'water-point-inspection',
    ]);
    assert.deepEqual(body.lists.sites, JSON.parse(demoSites));
  });

  it('compresses the reference data for clients that accept it', async () => {
    const plain = await server.app.inject({ method: 'GET', url: '/api/reference' });
    for (const [encoding, unzip] of [
      ['gzip', gunzipSync],
      ['br', brotliDecompressSync],
    ] as const) {
      const res = await server.app.inject({
        method: 'GET',
        url: '/api/reference',
        headers: { 'accept-encoding': encoding },
      });
      assert.equal(res.headers['content-encoding'], encoding);
      assert.ok(res.rawPayload.length < plain.rawPayload.length / 3, `${encoding} is much smaller`);
      assert.deepEqual(JSON.parse(unzip(res.rawPayload).toString('utf8')), plain.json());
    }
  });

  it('answers 304 with no body when If-None-Match names the current ETag', async () => {
    const first = await server.app.inject({ method: 'GET', url: '/api/reference' });
    const etag = String(first.headers.etag);
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const res = await server.app.inject({
        method: 'GET',
        url: '/api/reference',
        headers: { 'if-none-match': header },
      });
      assert.equal(res.statusCode, 304, header);
      assert.equal(res.body, '');
      assert.equal(res.headers.etag, etag);
    }
    const stale = await server.app.inject({
      method: 'GET',
      url: '/api/reference',
      headers: { 'if-none-match': '"old"' },
    });
    assert.equal(stale.statusCode, 200);
  });
});

describe('the forms directory', () => {
  const make = formsDirMaker();

  it('keeps every version of a form and checks a submission against the version it names, max included', async () => {
    const v2: FormDef = {
      ...demoForm,
      version: 2,
      fields: demoForm.fields.map((f) => (f.name === 'people_served' ? { ...f, max: { value: 10 } } : f)),
    };
    const dir = make({ 'wpi.v1.json': JSON.stringify(demoForm), 'wpi.v2.json': JSON.stringify(v2) });
    const server = await startTestServer({ formsDir: dir });
    try {
      const ref = (await server.app.inject({ method: 'GET', url: '/api/reference' })).json<ReferenceData>();
      assert.deepEqual(
        ref.forms.map((f) => f.version),
        [1, 2],
      );
      const payload = await storedPhotosPayload(server.app);
      payload.answers.people_served = 50;
      const tooMany = await putSubmission(server.app, { ...payload, formVersion: 2 });
      assert.equal(tooMany.statusCode, 422);
      assert.equal(tooMany.json<ApiError>().field, 'people_served');
      assert.match(tooMany.json<ApiError>().message, /Enter 10 or less/);
      assert.equal((await putSubmission(server.app, payload)).statusCode, 201);
    } finally {
      await server.close();
    }
  });

  it('stops start-up naming the file when a form is not valid JSON', () => {
    const dir = make({ 'broken.json': '{ "id": "broken", ' });
    assert.throws(
      () => loadFormsDir(dir),
      (err: unknown) =>
        err instanceof FormsDirError &&
        err.message.includes(join(dir, 'broken.json')) &&
        /not valid JSON/.test(err.message),
    );
  });

  it('stops start-up naming the file and the problem when a form breaks the format', async () => {
    const bad = { ...demoForm, fields: [{ name: 'Bad Name', type: 'colour', label: 'x' }] };
    const dir = make({ 'bad.json': JSON.stringify(bad) });
    await assert.rejects(startTestServer({ formsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof FormsDirError);
      assert.ok(err.message.includes(join(dir, 'bad.json')), err.message);
      assert.match(err.message, /name must be lower case/);
      assert.match(err.message, /type must be one of/);
      return true;
    });
  });

  it('stops start-up when a form names a choice list that does not exist', () => {
    const dir = make({
      'f.json': JSON.stringify({ ...demoForm, fields: [{ ...demoForm.fields[0], choiceList: 'nope' }] }),
    });
    assert.throws(() => loadFormsDir(dir), /f\.json.*choice list "nope" does not exist/);
  });

  it('stops start-up when a choice list is broken', () => {
    const dir = make({ 'f.json': JSON.stringify(demoForm) });
    writeFileSync(join(dir, 'lists', 'sites.json'), JSON.stringify([{ value: 'a' }]));
    assert.throws(() => loadFormsDir(dir), /sites\.json.*value and a label/);
    writeFileSync(join(dir, 'lists', 'sites.json'), '{}');
    assert.throws(() => loadFormsDir(dir), /sites\.json.*JSON array/);
  });

  it('stops start-up when two files define the same form version', () => {
    const dir = make({ 'a.json': JSON.stringify(demoForm), 'b.json': JSON.stringify(demoForm) });
    assert.throws(() => loadFormsDir(dir), /b\.json.*also defined in .*a\.json/);
  });

  it('stops start-up when the directory is missing or holds no form', () => {
    assert.throws(() => loadFormsDir(join(make({}), 'missing')), /does not exist/);
    assert.throws(() => loadFormsDir(make({})), /holds no form/);
  });
});

describe('how old reference data may get before devices warn', () => {
  it('is 72 hours unless REFERENCE_STALE_AFTER_HOURS says otherwise, and is served with the data', async () => {
    assert.equal(staleAfterHours({}), 72);
    assert.equal(staleAfterHours({ REFERENCE_STALE_AFTER_HOURS: ' 24 ' }), 24);
    for (const bad of ['0', '-3', '1.5', 'soon']) {
      assert.throws(
        () => staleAfterHours({ REFERENCE_STALE_AFTER_HOURS: bad }),
        /REFERENCE_STALE_AFTER_HOURS/,
      );
    }
    const saved = process.env.REFERENCE_STALE_AFTER_HOURS;
    process.env.REFERENCE_STALE_AFTER_HOURS = '48';
    try {
      assert.equal(loadFormsDir(DEMO_FORMS_DIR).data.staleAfterHours, 48);
    } finally {
      if (saved === undefined) delete process.env.REFERENCE_STALE_AFTER_HOURS;
      else process.env.REFERENCE_STALE_AFTER_HOURS = saved;
    }
    const server = await startTestServer();
    try {
      const res = await server.app.inject({ method: 'GET', url: '/api/reference' });
      assert.equal(res.json<ReferenceData>().staleAfterHours, 72);
    } finally {
      await server.close();
    }
  });
});
