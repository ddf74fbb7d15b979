import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ReferenceData } from '../../shared/forms.js';
import type {
  ApiError,
  ServerSubmission,
  SubmissionPage,
  SubmissionPayload,
} from '../../shared/submission.js';
import { FormsDirError } from '../../server/forms-dir.js';
import {
  demoForm,
  demoSites,
  demoV2,
  formsDirMaker,
  putSubmission,
  readStore,
  startTestServer,
  storeEnv,
  storedPhotosPayload,
  writeForms,
  type TestServer,
  type TestStore,
} from './helpers.js';
import { failedStart } from './process.js';

/** A forms directory with the demo sites list and the given form files. */
const formsDir = formsDirMaker();

/** Starts the server on store, as a restart after a deployment would. */
function restart(store: TestStore, dir: string): Promise<TestServer> {
  return startTestServer({ ...store, formsDir: dir });
}

async function reference(server: TestServer): Promise<ReferenceData> {
  return (await server.app.inject({ method: 'GET', url: '/api/reference' })).json<ReferenceData>();
}

function publishedRows(
  store: TestStore,
): Promise<{ form_id: string; version: number; definition: string }[]> {
  return readStore(store, async (repo) =>
    (await repo.listPublishedForms()).map((f) => ({
      form_id: f.formId,
      version: f.version,
      definition: f.definition,
    })),
  );
}

describe('published form versions', () => {
  it('records every version in the forms directory with its definition, once', async () => {
    const dir = formsDir({ 'wpi.v1.json': demoForm });
    let server = await startTestServer({ formsDir: dir });
    const store: TestStore = server;
    try {
      await server.app.close();
      const first = await publishedRows(store);
      assert.deepEqual(
        first.map((r) => [r.form_id, r.version]),
        [['water-point-inspection', 1]],
      );
      assert.deepEqual(JSON.parse(first[0]!.definition), demoForm);

      writeForms(dir, { 'wpi.v2.json': demoV2 });
      server = await restart(store, dir);
      await server.app.close();
      const second = await publishedRows(store);
      assert.deepEqual(
        second.map((r) => [r.form_id, r.version]),
        [
          ['water-point-inspection', 1],
          ['water-point-inspection', 2],
        ],
      );
      assert.equal(second[0]!.definition, first[0]!.definition, 'version 1 is kept as first published');
    } finally {
      await server.close();
    }
  });

  it('starts again when a published file is only reformatted', async () => {
    const dir = formsDir({ 'wpi.v1.json': demoForm });
    let server = await startTestServer({ formsDir: dir });
    try {
      await server.app.close();
      // Same content: other key order, other whitespace.
      const reordered = Object.fromEntries(Object.entries(demoForm).reverse());
      writeForms(dir, { 'wpi.v1.json': JSON.stringify(reordered) });
      server = await restart(server, dir);
      assert.equal((await reference(server)).forms.length, 1);
    } finally {
      await server.close();
    }
  });

  it('refuses to start when a published version changed, saying to publish it as the next version', async () => {
    const dir = formsDir({ 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 });
    const server = await startTestServer({ formsDir: dir });
    const store: TestStore = server;
    try {
      await server.app.close();
      const changed = { ...demoForm, title: 'Water point check' };
      writeForms(dir, { 'wpi.v1.json': changed });
      await assert.rejects(restart(store, dir), (err: unknown) => {
        assert.ok(err instanceof FormsDirError);
        assert.ok(err.message.includes(join(dir, 'wpi.v1.json')), err.message);
        assert.match(
          err.message,
          /form "water-point-inspection" version 1 changed since it was published .*publish the change as version 3/,
        );
        return true;
      });
      // Nothing of the refused start was recorded.
      assert.equal((await publishedRows(store)).length, 2);

      // The real entry point stops with that message and exit code 1.
      const { code, output } = await failedStart({ ...storeEnv(store), FORMS_DIR: dir });
      assert.equal(code, 1);
      assert.match(output, /version 1 changed since it was published/);
    } finally {
      await server.close();
    }
  });

  it('keeps a version removed from the directory: listed as withdrawn, and its submissions accepted', async () => {
    const dir = formsDir({ 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 });
    let server = await startTestServer({ formsDir: dir });
    try {
      await server.app.close();
      rmSync(join(dir, 'wpi.v1.json'));
      server = await restart(server, dir);

      const ref = await reference(server);
      assert.deepEqual(
        ref.forms.map((f) => [f.version, f.withdrawn]),
        [
          [1, true],
          [2, undefined],
        ],
      );
      assert.deepEqual({ ...ref.forms[0], withdrawn: undefined }, { ...demoForm, withdrawn: undefined });

      const payload = await storedPhotosPayload(server.app);
      // Against version 1's definition: no limit on people served, no pump brand.
      payload.answers.people_served = 50;
      assert.equal((await putSubmission(server.app, payload)).statusCode, 201);
      const bad = await putSubmission(server.app, {
        ...payload,
        id: crypto.randomUUID(),
        answers: { ...payload.answers, pump_brand: 'Afridev' },
      });
      assert.equal(bad.statusCode, 422);
      assert.equal(bad.json<ApiError>().field, 'pump_brand');

      const held = await server.app.inject({ method: 'GET', url: `/api/submissions/${payload.id}` });
      assert.equal(held.json<ServerSubmission>().formVersion, 1);
    } finally {
      await server.close();
    }
  });

  it('answers a resend from what is stored, even once its answers no longer pass the checks', async () => {
    const dir = formsDir({ 'wpi.v1.json': demoForm });
    let server = await startTestServer({ formsDir: dir });
    try {
      const payload = await storedPhotosPayload(server.app);
      const first = await putSubmission(server.app, payload);
      assert.equal(first.statusCode, 201);
      await server.app.close();
      // Its site is taken off the list.
      const sites = (JSON.parse(demoSites) as { value: string }[]).filter(
        (c) => c.value !== payload.answers.site,
      );
      writeFileSync(join(dir, 'lists', 'sites.json'), JSON.stringify(sites));
      server = await restart(server, dir);

      const again = await putSubmission(server.app, payload);
      assert.equal(again.statusCode, 200);
      assert.deepEqual(again.json(), first.json());
      const changed = { ...payload, answers: { ...payload.answers, notes: 'Changed since.' } };
      assert.equal((await putSubmission(server.app, changed)).json<ApiError>().error, 'conflict');
      const fresh = await putSubmission(server.app, { ...payload, id: crypto.randomUUID() });
      assert.equal(fresh.statusCode, 422);
      assert.equal(fresh.json<ApiError>().field, 'site');
    } finally {
      await server.close();
    }
  });

  it('names every version it knows, withdrawn ones included, for an unknown version', async () => {
    const dir = formsDir({ 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 });
    let server = await startTestServer({ formsDir: dir });
    try {
      await server.app.close();
      rmSync(join(dir, 'wpi.v1.json'));
      server = await restart(server, dir);
      const payload = await storedPhotosPayload(server.app);
      const res = await putSubmission(server.app, { ...payload, formVersion: 7 });
      assert.equal(res.statusCode, 422);
      assert.equal(res.json<ApiError>().error, 'unknown_form');
      assert.match(res.json<ApiError>().message, /it has 1, 2/);
    } finally {
      await server.close();
    }
  });
});

describe('the reference version of a submission', () => {
  it('is stored and returned, and null when an older app leaves it out', async () => {
    const server = await startTestServer({ formsDir: formsDir({ 'wpi.v1.json': demoForm }) });
    try {
      const etag = String((await server.app.inject({ method: 'GET', url: '/api/reference' })).headers.etag);
      const withIt = { ...(await storedPhotosPayload(server.app)), referenceVersion: etag };
      assert.equal((await putSubmission(server.app, withIt)).statusCode, 201);
      // As an app from before referenceVersion sends it.
      const older: Partial<SubmissionPayload> = await storedPhotosPayload(server.app);
      delete older.referenceVersion;
      assert.equal((await putSubmission(server.app, older)).statusCode, 201);
      // A resend of the older payload is still the same submission.
      assert.equal((await putSubmission(server.app, older)).statusCode, 200);

      const one = await server.app.inject({ method: 'GET', url: `/api/submissions/${withIt.id}` });
      assert.equal(one.json<ServerSubmission>().referenceVersion, etag);
      const list = (
        await server.app.inject({ method: 'GET', url: '/api/submissions' })
      ).json<SubmissionPage>();
      assert.deepEqual(
        list.items.map((s) => [s.id, s.referenceVersion]),
        [
          [older.id, null],
          [withIt.id, etag],
        ],
      );

      await server.app.close();
      const page = await readStore(server, (repo) => repo.listSubmissions(null, 10));
      assert.deepEqual(page.items.map((s) => [s.receipt.id, s.payload.referenceVersion]).reverse(), [
        [withIt.id, etag],
        [older.id, null],
      ]);
    } finally {
      await server.close();
    }
  });

  it('must be a string of at most 200 characters, or null', async () => {
    const server = await startTestServer({ formsDir: formsDir({ 'wpi.v1.json': demoForm }) });
    try {
      const payload = await storedPhotosPayload(server.app);
      for (const bad of [42, 'x'.repeat(201), {}]) {
        const res = await putSubmission(server.app, { ...payload, referenceVersion: bad });
        assert.equal(res.statusCode, 400, JSON.stringify(bad));
        assert.equal(res.json<ApiError>().field, 'referenceVersion');
      }
      assert.equal(
        (await putSubmission(server.app, { ...payload, referenceVersion: 'x'.repeat(200) })).statusCode,
        201,
      );
    } finally {
      await server.close();
    }
  });
});
