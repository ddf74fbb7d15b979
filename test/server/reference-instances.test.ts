import assert from 'node:assert/strict';
import { brotliDecompressSync } from 'node:zlib';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { FormDef, ReferenceData } from '../../shared/forms.js';
import type { ApiError, SubmissionPayload } from '../../shared/submission.js';
import { FormsDirError, loadFormsDir } from '../../server/forms-dir.js';
import { publishReference } from '../../server/reference.js';
import type { ReferenceRevision } from '../../server/storage/repository.js';
import { openRepository } from '../../server/storage/stores.js';
import {
  captureLog,
  demoForm,
  demoSites,
  demoV2,
  freshStore,
  HERE,
  formsDirMaker,
  postgresSuite,
  putSubmission,
  readStore,
  removeStore,
  startBeside,
  startTestServer,
  storedPhotosPayload,
  type TestServer,
  type TestStore,
} from './helpers.js';

const formsDir = formsDirMaker();

async function getReference(app: FastifyInstance, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url: '/api/reference', headers });
}

/** Every revision recorded, oldest first. */
function revisions(store: TestStore): Promise<ReferenceRevision[]> {
  return readStore(store, async (repo) => {
    const head = await repo.currentReferenceHead();
    const all: ReferenceRevision[] = [];
    for (let r = 1; r <= (head?.revision ?? 0); r++) all.push((await repo.getReferenceRevision(r))!);
    return all;
  });
}

/** A submission on version 2 of the demo form, which version 1 would refuse (pump_brand). */
async function v2Payload(app: FastifyInstance): Promise<SubmissionPayload> {
  const payload = await storedPhotosPayload(app);
  return {
    ...payload,
    formVersion: 2,
    answers: { ...payload.answers, people_served: 8, pump_brand: 'Afridev' },
  };
}

const keys = (forms: FormDef[]): string[] =>
  forms.map((f) => `${f.id}@${f.version}${f.withdrawn ? ' withdrawn' : ''}`);

// Several servers share one database only on PostgreSQL; on SQLite one server
// at a time, restarted, is covered below and in versions.test.ts.
postgresSuite('several servers on one database', () => {
  it('serves on a server started before what one started later published: its version accepted, the same body and ETag', async () => {
    const first = await startTestServer({ formsDir: formsDir({ 'wpi.v1.json': demoForm }) });
    try {
      const before = await getReference(first.app);
      const second = await startBeside(first, {
        formsDir: formsDir({ 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 }),
      });
      try {
        // Asked of the first server before it has served the new data to anyone.
        const payload = await v2Payload(first.app);
        assert.equal((await putSubmission(first.app, payload)).statusCode, 201);

        const [fromFirst, fromSecond] = await Promise.all([getReference(first.app), getReference(second)]);
        assert.equal(fromFirst.body, fromSecond.body);
        assert.equal(fromFirst.headers.etag, fromSecond.headers.etag);
        assert.notEqual(fromFirst.headers.etag, before.headers.etag);
        assert.deepEqual(keys(fromFirst.json<ReferenceData>().forms), [
          'water-point-inspection@1',
          'water-point-inspection@2',
        ]);

        const etag = String(fromFirst.headers.etag);
        assert.equal(
          (await getReference(first.app, { 'if-none-match': String(before.headers.etag) })).statusCode,
          200,
        );
        assert.equal((await getReference(first.app, { 'if-none-match': etag })).statusCode, 304);
        const br = await getReference(first.app, { 'accept-encoding': 'br' });
        assert.equal(br.headers['content-encoding'], 'br');
        assert.equal(brotliDecompressSync(br.rawPayload).toString('utf8'), fromSecond.body);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it('makes the last of two servers starting at once with different directories current, whole, on both', async () => {
    const older = formsDir({ 'wpi.v1.json': demoForm });
    const newer = formsDir(
      { 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 },
      { sites: demoSites, pumps: '[]' },
    );
    for (let round = 0; round < 3; round++) {
      const store = await freshStore('instances');
      const apps = await Promise.all(
        [older, newer].map((dir) => startTestServer({ ...store, formsDir: dir }).then((s) => s.app)),
      );
      try {
        const [a, b] = await Promise.all(apps.map((app) => getReference(app)));
        assert.equal(a!.body, b!.body);
        assert.equal(a!.headers.etag, b!.headers.etag);

        const all = await revisions(store);
        assert.equal(all.length, 2, 'each start recorded a revision');
        const [earlier, last] = all;
        assert.equal(last!.body, a!.body);
        assert.equal(last!.etag, a!.headers.etag);
        const served = a!.json<ReferenceData>();
        if (last!.publishedBy.includes(older)) {
          assert.ok(earlier!.publishedBy.includes(newer));
          assert.deepEqual(keys(served.forms), [
            'water-point-inspection@1',
            'water-point-inspection@2 withdrawn',
          ]);
          assert.deepEqual(Object.keys(served.lists), ['sites']);
        } else {
          assert.ok(last!.publishedBy.includes(newer) && earlier!.publishedBy.includes(older));
          assert.deepEqual(keys(served.forms), ['water-point-inspection@1', 'water-point-inspection@2']);
          assert.deepEqual(Object.keys(served.lists), ['pumps', 'sites']);
        }
        for (const app of apps)
          assert.equal((await putSubmission(app, await v2Payload(app))).statusCode, 201);
      } finally {
        await Promise.all(apps.map((app) => app.close()));
        await removeStore(store);
      }
    }
  });

  it('publishes one server at a time: of two publishing at the same moment, the last is current, whole', async () => {
    const older = loadFormsDir(formsDir({ 'wpi.v1.json': demoForm }));
    const newer = loadFormsDir(formsDir({ 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 }));
    for (let round = 0; round < 5; round++) {
      const store = await freshStore('publish');
      const repos = await Promise.all([openRepository(store), openRepository(store)]);
      try {
        await Promise.all(repos.map((r) => r.migrate()));
        const [a, b] = await Promise.all([
          publishReference(older, repos[0]!, { publishedBy: 'older' }),
          publishReference(newer, repos[1]!, { publishedBy: 'newer' }),
        ]);
        const all = await revisions(store);
        assert.deepEqual(
          all.map((r) => r.revision),
          [1, 2],
        );
        const last = all[1]!;
        assert.equal(last.etag, (last.publishedBy === 'older' ? a : b)!.reference.etag);
        // Whichever came second lists what the first published.
        assert.deepEqual(keys((JSON.parse(last.body) as ReferenceData).forms), [
          'water-point-inspection@1',
          last.publishedBy === 'older' ? 'water-point-inspection@2 withdrawn' : 'water-point-inspection@2',
        ]);
      } finally {
        await Promise.all(repos.map((r) => r.close()));
        await removeStore(store);
      }
    }
  });

  it('keeps every server on its data when another is refused for changing a published version', async () => {
    const first = await startTestServer({ formsDir: formsDir({ 'wpi.v1.json': demoForm }) });
    try {
      const before = await getReference(first.app);
      const changed = formsDir({ 'wpi.v1.json': { ...demoForm, title: 'Water point check' } });
      await assert.rejects(startBeside(first, { formsDir: changed }), (err: unknown) => {
        assert.ok(err instanceof FormsDirError);
        assert.match(err.message, /version 1 changed since it was published/);
        return true;
      });
      const after = await getReference(first.app);
      assert.equal(after.headers.etag, before.headers.etag);
      assert.equal((await revisions(first)).length, 1);
    } finally {
      await first.close();
    }
  });

  it('withdraws everywhere what a server started later with an older directory lacks, and says so in the log of both', async () => {
    const newerLog = captureLog();
    const newer = await startTestServer({
      formsDir: formsDir({ 'wpi.v1.json': demoForm, 'wpi.v2.json': demoV2 }),
      logger: newerLog.logger,
    });
    try {
      const olderLog = captureLog();
      const older = await startBeside(newer, {
        formsDir: formsDir({ 'wpi.v1.json': demoForm }),
        logger: olderLog.logger,
      });
      try {
        assert.ok(
          olderLog
            .warnings()
            .some((w) =>
              /Form "water-point-inspection" version 2, served until now by every server as reference data revision 1 .* is not in this server's forms directory/.test(
                w,
              ),
            ),
          olderLog.warnings().join('\n'),
        );
        const served = (await getReference(newer.app)).json<ReferenceData>();
        assert.deepEqual(keys(served.forms), [
          'water-point-inspection@1',
          'water-point-inspection@2 withdrawn',
        ]);
        assert.ok(
          newerLog
            .warnings()
            .some((w) =>
              /version 2 of this server's forms directory is withdrawn by reference data revision 2/.test(w),
            ),
          newerLog.warnings().join('\n'),
        );
        // Withdrawn is never refused: what devices hold on it is still accepted, by either server.
        for (const app of [newer.app, older]) {
          assert.equal((await putSubmission(app, await v2Payload(app))).statusCode, 201);
        }
      } finally {
        await older.close();
      }
    } finally {
      await newer.close();
    }
  });
});

describe('the reference data in the database', () => {
  /** A small form whose version 1 names a choice list that version 2 no longer uses. */
  const tally = (version: number, withColour: boolean): FormDef => ({
    id: 'tally',
    version,
    title: 'Tally',
    fields: [
      { name: 'count', type: 'integer', label: 'Count', required: true },
      ...(withColour
        ? [{ name: 'colour', type: 'select_one' as const, label: 'Colour', choiceList: 'colours' }]
        : []),
    ],
  });
  const tallyPayload = (version: number, answers: SubmissionPayload['answers']): SubmissionPayload => ({
    id: crypto.randomUUID(),
    formId: 'tally',
    formVersion: version,
    answers,
    location: null,
    photos: [],
    createdAt: HERE.time,
    deviceId: 'device-test-1',
    referenceVersion: null,
  });

  it('records a revision only when a server starts with other forms, lists or settings', async () => {
    const dir = formsDir({ 'wpi.v1.json': demoForm });
    const baseMap = {
      tileUrl: 'https://tiles.example.org/{z}/{x}/{y}.png',
      attribution: '© Example',
      maxZoom: 19,
      subdomains: [],
    };
    let server: TestServer = await startTestServer({ formsDir: dir });
    const store: TestStore = server;
    try {
      const first = await getReference(server.app);
      for (const [options, expected] of [
        [{}, 1],
        [{ baseMap }, 2],
        [{}, 3],
        [{}, 3],
      ] as const) {
        await server.app.close();
        server = await startTestServer({ ...store, formsDir: dir, ...options });
        assert.equal((await revisions(store)).length, expected);
      }
      const now = await getReference(server.app);
      assert.equal(now.headers.etag, first.headers.etag, 'the same data has the same ETag again');
      assert.equal(now.body, first.body);
    } finally {
      await server.close();
    }
  });

  it('checks a submission on a version no revision lists against its definition from the database', async () => {
    const log = captureLog('warn');
    let server = await startTestServer({
      formsDir: formsDir({ 'tally.v1.json': tally(1, true) }, { colours: '[{"value":"red","label":"Red"}]' }),
    });
    const store: TestStore = server;
    try {
      await server.app.close();
      // Version 1 is withdrawn, and its list is gone: it cannot be listed.
      server = await startTestServer({
        ...store,
        formsDir: formsDir({ 'tally.v2.json': tally(2, false) }, {}),
        logger: log.logger,
      });
      assert.ok(
        log.warnings().some((w) => /Withdrawn form "tally" version 1 is not listed/.test(w)),
        log.warnings().join('\n'),
      );
      assert.deepEqual(keys((await getReference(server.app)).json<ReferenceData>().forms), ['tally@2']);

      assert.equal((await putSubmission(server.app, tallyPayload(1, { count: 3 }))).statusCode, 201);
      const red = await putSubmission(server.app, tallyPayload(1, { count: 3, colour: 'red' }));
      assert.equal(red.statusCode, 422);
      assert.equal(red.json<ApiError>().field, 'colour');
      const unknown = await putSubmission(server.app, tallyPayload(7, { count: 3 }));
      assert.equal(unknown.json<ApiError>().error, 'unknown_form');
      assert.match(unknown.json<ApiError>().message, /it has 1, 2/);
    } finally {
      await server.close();
    }
  });
});
