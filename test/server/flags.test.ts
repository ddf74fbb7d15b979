/**
 * Review flags: what the server works out of each submission as it
 * arrives, the "flagged" filter, the limits an operator sets, and the flags
 * of submissions stored before they existed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reviewFlags, type FlagLimits } from '../../shared/review-flags.js';
import type { ReviewPage } from '../../shared/review.js';
import type { ApiError, SubmissionPayload } from '../../shared/submission.js';
import { randomUUID } from 'node:crypto';
import { canonicalSubmission } from '../../server/canonical.js';
import {
  configProblems,
  demoForm,
  fakePhoto,
  HERE,
  householdVisit,
  photoRef,
  putPhoto,
  putSubmission,
  startBeside,
  startTestServer,
  validPayload,
  type TestServer,
} from './helpers.js';

const LIMITS: FlagLimits = { photoFarMetres: 200, lateAfterHours: 48, staleAfterHours: 72 };
const HOUR = 3_600_000;

describe('review flags, worked out', () => {
  const at = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * HOUR).toISOString();
  const base = () => validPayload([]);

  it('finds each kind, and says what it found', () => {
    const p = base();
    const photo = {
      ...photoRef(fakePhoto()),
      geotag: { lat: HERE.lat + 0.01, lon: HERE.lon, accuracy: 5, time: null, source: 'exif' as const },
    };
    p.photos = [photoRef(fakePhoto()), photo];
    p.answers = { ...p.answers, location: { ...HERE, accuracy: 80 } };
    const flags = reviewFlags(
      p,
      { form: demoForm, receivedAt: at(p.createdAt, 75), referenceReplacedAt: at(p.createdAt, -100) },
      LIMITS,
    );
    assert.deepEqual(
      flags.map((f) => f.code),
      ['photo_far', 'stale_reference', 'poor_accuracy', 'late'],
    );
    assert.equal(flags[0]!.message, "Photo 2 was taken 1.1 km from the record's location.");
    assert.match(flags[1]!.message, /replaced 4 days before/);
    assert.equal(flags[2]!.message, '"Location" is accurate to 80 m; the form asks for 50 m.');
    assert.equal(flags[3]!.message, 'Received 3 days after it was captured.');
  });

  it('finds nothing in a submission within every limit', () => {
    const p = base();
    p.photos = [
      {
        ...photoRef(fakePhoto()),
        geotag: { lat: HERE.lat + 0.001, lon: HERE.lon, accuracy: 5, time: null, source: 'exif' },
      },
    ];
    const flags = reviewFlags(
      p,
      { form: demoForm, receivedAt: at(p.createdAt, 47), referenceReplacedAt: at(p.createdAt, -71) },
      LIMITS,
    );
    assert.deepEqual(flags, []);
    // No location, no photo geotag, no reference version: nothing to judge by.
    assert.deepEqual(
      reviewFlags(
        { ...p, location: null },
        { form: undefined, receivedAt: p.createdAt, referenceReplacedAt: null },
        LIMITS,
      ),
      [],
    );
  });

  it('reads the limits an operator sets, refusing ones it cannot use', () => {
    assert.deepEqual(configProblems({ REVIEW_PHOTO_FAR_METRES: '500', REVIEW_LATE_AFTER_HOURS: '12' }), []);
    assert.equal(configProblems({ REVIEW_PHOTO_FAR_METRES: 'far' }).length, 1);
    assert.equal(configProblems({ REVIEW_LATE_AFTER_HOURS: '0' }).length, 1);
  });
});

describe('review flags on the server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ flagLimits: { photoFarMetres: 100, lateAfterHours: 24 } });
  });
  after(() => server.close());

  const list = async (query: string) => {
    const res = await server.app.inject({ method: 'GET', url: `/api/review/submissions?${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<ReviewPage>();
  };

  it('flags what arrives, with the limits set, and filters on them', async () => {
    const bytes = fakePhoto();
    assert.equal((await putPhoto(server.app, bytes)).statusCode, 201);
    const far = validPayload([
      {
        ...photoRef(bytes),
        geotag: { lat: HERE.lat + 0.0015, lon: HERE.lon, accuracy: 5, time: null, source: 'exif' },
      },
    ]);
    const fine = householdVisit();
    fine.createdAt = new Date().toISOString();
    for (const p of [far, fine]) assert.equal((await putSubmission(server.app, p)).statusCode, 201);

    const all = await list('limit=10');
    const flagsOf = (id: string) => all.items.find((i) => i.submission.id === id)!.flags.map((f) => f.code);
    // 170 m is far with a limit of 100 m; captured on 2026-11-20, so late by a day's limit too.
    assert.deepEqual(flagsOf(far.id), ['photo_far', 'late']);
    assert.deepEqual(flagsOf(fine.id), []);
    const flagged = await list('flagged=true&limit=500');
    assert.ok(flagged.items.some((i) => i.submission.id === far.id));
    assert.ok(!flagged.items.some((i) => i.submission.id === fine.id));
    const one = await list(`id=${far.id}`);
    assert.deepEqual(
      one.items.map((i) => i.submission.id),
      [far.id],
    );
  });

  it("takes a kiosk's unfinished submission of a form that allows it, flagged, and refuses one of any other", async () => {
    const started: SubmissionPayload = {
      ...validPayload([]),
      formId: 'visitor-registration',
      answers: { visitor_name: 'Wanjiru' },
      location: null,
      createdAt: new Date().toISOString(),
      unfinished: true,
    };
    const taken = await putSubmission(server.app, started);
    assert.equal(taken.statusCode, 201, taken.body);
    const [item] = (await list(`id=${started.id}`)).items;
    assert.equal(item!.submission.unfinished, true);
    assert.deepEqual(item!.flags, [
      {
        code: 'unfinished',
        message: 'Saved unfinished by a kiosk when its user walked away: 2 required questions unanswered.',
      },
    ]);

    // Finished, the same answers are missing required ones.
    const finished = { ...started, id: randomUUID(), unfinished: undefined };
    const missing = await putSubmission(server.app, finished);
    assert.equal(missing.statusCode, 422, missing.body);
    // A form without whenAbandoned "save" takes no unfinished submission.
    const visit = { ...householdVisit(), unfinished: true as const };
    const refused = await putSubmission(server.app, visit);
    assert.equal(refused.statusCode, 422, refused.body);
    assert.deepEqual(
      refused.json<ApiError>().problems?.map((p) => p.field),
      ['unfinished'],
    );
    const wrong = await putSubmission(server.app, { ...started, id: randomUUID(), unfinished: false });
    assert.equal(wrong.statusCode, 400, wrong.body);
    assert.equal(wrong.json<ApiError>().field, 'unfinished');
  });

  it('works out at start-up the flags of submissions stored without', async () => {
    const old: SubmissionPayload = validPayload([]);
    old.photos = [];
    old.answers = { ...old.answers, photos: [], location: { ...HERE, accuracy: 500 } };
    const { payload, hash } = canonicalSubmission(old);
    await server.repository.insertSubmission({
      payload,
      contentHash: hash,
      receivedAt: new Date().toISOString(),
      sentBy: server.sentBy,
    });
    assert.equal((await server.repository.submissionsWithoutFlags(10)).length, 1);
    const second = await startBeside(server);
    try {
      // The second server works them out in the background; the list says when it is done.
      for (;;) {
        if ((await server.repository.submissionsWithoutFlags(10)).length === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const [item] = (await list(`id=${old.id}`)).items;
      assert.deepEqual(
        item!.flags.map((f) => f.code),
        ['poor_accuracy', 'late'],
      );
    } finally {
      await second.close();
    }
  });
});
