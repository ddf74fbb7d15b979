import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiError, Receipt, ServerSubmission, SubmissionPayload } from '../../shared/submission.js';
import {
  fakePhoto,
  HERE,
  photoRef,
  putPhoto,
  putSubmission,
  startTestServer,
  storedPhotosPayload,
  tempDir,
  validPayload,
  type TestServer,
} from './helpers.js';

describe('PUT /api/submissions/:id', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const get = async (id: string) => server.app.inject({ method: 'GET', url: `/api/submissions/${id}` });

  it('stores a valid submission and answers 201 with a receipt', async () => {
    const payload = await storedPhotosPayload(server.app, 2);
    const res = await putSubmission(server.app, payload);
    assert.equal(res.statusCode, 201, res.body);
    const receipt = res.json<Receipt>();
    assert.equal(receipt.id, payload.id);
    assert.equal(typeof receipt.seq, 'number');
    assert.ok(!Number.isNaN(Date.parse(receipt.receivedAt)));

    const stored = await get(payload.id);
    assert.equal(stored.statusCode, 200);
    assert.deepEqual(stored.json<ServerSubmission>(), { ...payload, receipt, sentBy: server.sentBy });
  });

  it('gives each new submission a higher seq than the one before', async () => {
    const a = (await putSubmission(server.app, await storedPhotosPayload(server.app))).json<Receipt>();
    const b = (await putSubmission(server.app, await storedPhotosPayload(server.app))).json<Receipt>();
    assert.ok(b.seq > a.seq);
  });

  it('answers a resend with 200 and the original receipt, whatever the key order', async () => {
    const payload = await storedPhotosPayload(server.app);
    const first = await putSubmission(server.app, payload);
    assert.equal(first.statusCode, 201);
    const reordered = Object.fromEntries(Object.entries(payload).reverse()) as unknown as SubmissionPayload;
    reordered.answers = Object.fromEntries(Object.entries(payload.answers).reverse());
    const again = await putSubmission(server.app, reordered);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), first.json());
  });

  it('answers 409 conflict to the same id with different content and changes nothing', async () => {
    const payload = await storedPhotosPayload(server.app);
    const first = await putSubmission(server.app, payload);
    const changed = { ...payload, answers: { ...payload.answers, people_served: 121 } };
    const res = await putSubmission(server.app, changed);
    assert.equal(res.statusCode, 409);
    const body = res.json<ApiError>();
    assert.equal(body.error, 'conflict');
    assert.match(body.message, /different content/);
    assert.deepEqual((await get(payload.id)).json(), {
      ...payload,
      receipt: first.json(),
      sentBy: server.sentBy,
    });
  });

  it('stores one row and answers 201 and 200 when the same new submission arrives twice at once', async () => {
    const payload = await storedPhotosPayload(server.app);
    const results = await Promise.all([
      putSubmission(server.app, payload),
      putSubmission(server.app, payload),
    ]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 201]);
    assert.deepEqual(results[0]?.json(), results[1]?.json());
    const page = await server.app.inject({ method: 'GET', url: '/api/submissions?limit=200' });
    const items = page.json<{ items: ServerSubmission[] }>().items.filter((s) => s.id === payload.id);
    assert.equal(items.length, 1);
  });

  it('answers 409 missing_photos listing exactly the photos it lacks', async () => {
    const held = fakePhoto();
    await putPhoto(server.app, held);
    const lacking = [fakePhoto(), fakePhoto('image/png')];
    const refs = [
      photoRef(held),
      photoRef(lacking[0] as Buffer),
      photoRef(lacking[1] as Buffer, 'image/png'),
    ];
    const payload = validPayload(refs);
    const res = await putSubmission(server.app, payload);
    assert.equal(res.statusCode, 409);
    const body = res.json<ApiError>();
    assert.equal(body.error, 'missing_photos');
    assert.deepEqual(body.missing, [refs[1]?.sha256, refs[2]?.sha256]);
    assert.equal((await get(payload.id)).statusCode, 404);

    for (const bytes of lacking) await putPhoto(server.app, bytes);
    assert.equal((await putSubmission(server.app, payload)).statusCode, 201);
  });

  it('answers 422 when a photo held differs in size or type from its description', async () => {
    const bytes = fakePhoto('image/jpeg', 3000);
    await putPhoto(server.app, bytes);
    for (const ref of [
      { ...photoRef(bytes), bytes: 2999 },
      { ...photoRef(bytes), type: 'image/png' as const },
    ]) {
      const res = await putSubmission(server.app, validPayload([ref]));
      assert.equal(res.statusCode, 422);
      const body = res.json<ApiError>();
      assert.equal(body.error, 'validation_failed');
      assert.equal(body.field, 'photos[0]');
      assert.match(body.message, /holds photo/);
    }
  });

  it('answers 422 unknown_form for a form or version the server does not have', async () => {
    const payload = await storedPhotosPayload(server.app);
    const noForm = await putSubmission(server.app, { ...payload, formId: 'no-such-form' });
    assert.equal(noForm.statusCode, 422);
    assert.equal(noForm.json<ApiError>().error, 'unknown_form');
    assert.equal(noForm.json<ApiError>().field, 'formId');
    assert.match(noForm.json<ApiError>().message, /no-such-form/);

    const noVersion = await putSubmission(server.app, { ...payload, formVersion: 7 });
    assert.equal(noVersion.statusCode, 422);
    assert.equal(noVersion.json<ApiError>().error, 'unknown_form');
    assert.equal(noVersion.json<ApiError>().field, 'formVersion');
    assert.match(noVersion.json<ApiError>().message, /version 7/);
  });

  describe('answers 422 validation_failed naming the field', () => {
    const cases: { name: string; field: string; message: RegExp; change: (p: SubmissionPayload) => void }[] =
      [
        {
          name: 'a required answer is missing',
          field: 'site',
          message: /Choose the site/,
          change: (p) => delete p.answers.site,
        },
        {
          name: 'a number is below its minimum',
          field: 'people_served',
          message: /cannot be negative/,
          change: (p) => (p.answers.people_served = -1),
        },
        {
          name: 'a decimal is below its minimum',
          field: 'flow_rate',
          message: /Flow rate cannot be negative/,
          change: (p) => (p.answers.flow_rate = -0.5),
        },
        {
          name: 'there are more photos than the maximum',
          field: 'photos',
          message: /at most five photos/,
          change: (p) => {
            const refs = Array.from({ length: 6 }, () => photoRef(fakePhoto()));
            p.photos = refs;
            p.answers.photos = refs.map((r) => r.sha256);
          },
        },
        {
          name: 'there are fewer photos than the minimum',
          field: 'photos',
          message: /at least one photo/,
          change: (p) => {
            p.photos = [];
            p.answers.photos = [];
          },
        },
        {
          name: 'a text is longer than its maxLength',
          field: 'notes',
          message: /at most 2,000 characters/,
          change: (p) => (p.answers.notes = 'x'.repeat(2001)),
        },
        {
          name: 'a choice is not in the list',
          field: 'condition',
          message: /not in the list/,
          change: (p) => (p.answers.condition = 'on_fire'),
        },
        {
          name: 'a choice is not in the named choice list',
          field: 'site',
          message: /not in the list/,
          change: (p) => (p.answers.site = 'site_999'),
        },
        {
          name: 'an answer has the wrong type',
          field: 'people_served',
          message: /Enter a number/,
          change: (p) => (p.answers.people_served = '120'),
        },
        {
          name: 'an integer answer is not whole',
          field: 'people_served',
          message: /whole number/,
          change: (p) => (p.answers.people_served = 12.5),
        },
        {
          name: 'an answer names no question of the form',
          field: 'colour',
          message: /no such question/,
          change: (p) => (p.answers.colour = 'blue'),
        },
        {
          name: 'the location is not the first location answer',
          field: 'location',
          message: /first location answer/,
          change: (p) => (p.location = { ...HERE, lat: 1 }),
        },
      ];

    for (const c of cases) {
      it(`when ${c.name}`, async () => {
        const payload = await storedPhotosPayload(server.app);
        c.change(payload);
        const res = await putSubmission(server.app, payload);
        assert.equal(res.statusCode, 422, res.body);
        const body = res.json<ApiError>();
        assert.equal(body.error, 'validation_failed');
        assert.equal(body.field, c.field);
        assert.ok(
          body.problems?.some((p) => p.field === c.field && c.message.test(p.message)),
          res.body,
        );
        assert.ok(body.message.includes(c.field), body.message);
        assert.equal((await get(payload.id)).statusCode, 404);
      });
    }
  });

  it('checks a pattern constraint with the shared validation', async () => {
    // The demo form has no pattern; the same code path is exercised through a form of its own.
    const formsDir = tempDir('forms');
    mkdirSync(join(formsDir, 'lists'));
    writeFileSync(
      join(formsDir, 'meter.json'),
      JSON.stringify({
        id: 'meter',
        version: 1,
        title: 'Meter',
        fields: [
          {
            name: 'serial',
            type: 'text',
            label: 'Serial',
            pattern: { value: '[A-Z]{2}-\\d{4}', message: 'Use AB-1234.' },
          },
        ],
      }),
    );
    const other = await startTestServer({ formsDir });
    try {
      const base = { ...validPayload([]), formId: 'meter', location: null, photos: [] };
      const bad = await putSubmission(other.app, { ...base, answers: { serial: 'ab-12' } });
      assert.equal(bad.statusCode, 422);
      assert.equal(bad.json<ApiError>().field, 'serial');
      assert.match(bad.json<ApiError>().message, /Use AB-1234/);
      const good = await putSubmission(other.app, {
        ...base,
        id: randomUUID(),
        answers: { serial: 'AB-1234' },
      });
      assert.equal(good.statusCode, 201, good.body);
    } finally {
      await other.close();
      rmSync(formsDir, { recursive: true, force: true });
    }
  });
});
