/**
 * A form made to be exported, in two versions, and submissions of it sent
 * as devices send them: choices and multiple choices, photos, positions,
 * text that looks like markup or a formula, commas, quotes, line breaks
 * and non-ASCII; some reviewed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FormDef } from '../../shared/forms.js';
import type { ReviewState } from '../../shared/review.js';
import type { Answers, GeoPoint, PhotoRef, Receipt, SubmissionPayload } from '../../shared/submission.js';
import { as, enrolledDevice } from './accounts-helpers.js';
import { HERE, demoForm, fakePhoto, photoRef, putPhoto, putSubmission, type TestServer } from './helpers.js';

const problems = (leak: string) => ({
  name: 'problems',
  type: 'select_multiple' as const,
  label: 'Problems',
  choices: [
    { value: 'leak', label: leak },
    { value: 'rust', label: 'Rust "bad"' },
    { value: 'dry', label: 'Dry — sèche' },
  ],
});

export const surveyV1: FormDef = {
  id: 'survey',
  version: 1,
  title: 'Survey',
  fields: [
    { name: 'intro', type: 'note', label: 'Thank the household.' },
    { name: 'site', type: 'select_one', label: 'Site', choiceList: 'sites', required: true },
    problems('Leak, dripping'),
    { name: 'notes', type: 'text', label: 'Notes' },
    { name: 'old_only', type: 'text', label: 'Asked in version 1 only' },
    { name: 'count', type: 'integer', label: 'Count' },
    { name: 'depth', type: 'decimal', label: 'Depth' },
    { name: 'visited', type: 'date', label: 'Visited' },
    { name: 'location', type: 'geopoint', label: 'Location' },
    { name: 'photos', type: 'photo', label: 'Photos', max: { value: 3 } },
  ],
};

/** Version 2: another label for a choice, a question dropped, two added, the note moved. */
export const surveyV2: FormDef = {
  ...surveyV1,
  version: 2,
  fields: [
    surveyV1.fields[1]!,
    problems('Leaking'),
    ...surveyV1.fields.filter((f) => ['notes', 'count', 'depth', 'visited'].includes(f.name)),
    surveyV1.fields[0]!,
    surveyV1.fields[8]!,
    { name: 'exit_point', type: 'geopoint', label: 'Where you left' },
    surveyV1.fields[9]!,
    { name: 'extra', type: 'text', label: 'Extra' },
  ],
};

/** A forms directory's files: both versions of the survey, and the demo's water point inspection. */
export const SURVEY_FORMS = {
  'survey.v1.json': surveyV1,
  'survey.v2.json': surveyV2,
  'water-point-inspection.v1.json': demoForm,
};

/** What the CSV of both versions has for columns, in order. */
export const SURVEY_HEADER = [
  'Submission ID',
  'Form ID',
  'Form version',
  'Device',
  'Device ID',
  'Captured at',
  'Received at',
  'Review state',
  'Last review comment',
  'Latitude',
  'Longitude',
  'Accuracy (m)',
  'site',
  'site (label)',
  'problems',
  'problems (label)',
  'notes',
  'count',
  'depth',
  'visited',
  'location (latitude)',
  'location (longitude)',
  'location (accuracy)',
  'exit_point (latitude)',
  'exit_point (longitude)',
  'exit_point (accuracy)',
  'photos',
  'extra',
  'old_only',
];

/** A submission as sent and as the server took it, and what reviewers made of it. */
export interface Sent {
  payload: SubmissionPayload;
  receipt: Receipt;
  sentBy: { deviceId: string; deviceName: string };
  state: ReviewState;
  lastComment: string | null;
}

export interface Seeded {
  /** In the order received: newest last. */
  sent: Sent[];
  phone: { id: string; credential: string };
  /** The photos sent, by hash, as uploaded. */
  photoBytes: Map<string, Buffer>;
}

const FAR: GeoPoint = { lat: 51.5072, lon: -0.1276, accuracy: 12.5, time: '2026-11-21T09:59:00.000Z' };

/** Sends the surveys (and one water point inspection, another form) and reviews some. */
export async function seedSurveys(server: TestServer): Promise<Seeded> {
  const { app } = server;
  const phone = await enrolledDevice(app, null, 'Kisumu phone, "north"');
  const photoBytes = new Map<string, Buffer>();
  const photo = async (type: 'image/jpeg' | 'image/png' = 'image/jpeg'): Promise<PhotoRef> => {
    const bytes = fakePhoto(type, 3000);
    assert.equal((await putPhoto(app, bytes, type)).statusCode, 201);
    const ref = photoRef(bytes, type, 'photos');
    photoBytes.set(ref.sha256, bytes);
    return ref;
  };
  const [p1, p2, p3] = [await photo(), await photo('image/png'), await photo()];
  const survey = (version: number, answers: Answers, photos: PhotoRef[], createdAt: string) => ({
    id: randomUUID(),
    formId: 'survey',
    formVersion: version,
    answers: { ...answers, ...(photos.length ? { photos: photos.map((p) => p.sha256) } : {}) },
    location: (answers.location as GeoPoint | undefined) ?? null,
    photos,
    createdAt,
    deviceId: 'device-in-payload',
    referenceVersion: null,
  });
  const water: SubmissionPayload = {
    ...survey(
      1,
      { site: 'site_002', condition: 'dry', people_served: 0, location: HERE },
      [p3!],
      '2026-11-20T12:00:00Z',
    ),
    formId: 'water-point-inspection',
  };
  const payloads: [SubmissionPayload, 'test' | 'phone'][] = [
    [
      survey(
        1,
        {
          site: 'site_001',
          problems: ['leak', 'rust'],
          notes: '=HYPERLINK("http://evil.example/","Click, here")',
          old_only: 'from version 1, "quoted"',
          count: 3,
          depth: -2.5,
          visited: '2026-11-01',
          location: HERE,
        },
        [p1!, p2!],
        '2026-11-20T09:30:00+03:00',
      ),
      'test',
    ],
    [
      survey(
        2,
        {
          site: 'site_002',
          problems: ['dry', 'leak'],
          notes: '<img src=x onerror=alert(1)>\r\nline two, with a comma',
          count: 0,
          location: FAR,
          exit_point: { ...FAR, lat: -33.8688, lon: 151.2093 },
          extra: 'Ünïcödé 水 🚰; naïve café',
        },
        [p3!],
        '2026-11-21T10:00:00.000Z',
      ),
      'phone',
    ],
    [
      survey(
        2,
        { site: 'site_003', notes: '+1 more, -2 less\n@mention', extra: '\tTabbed' },
        [],
        '2026-11-22T08:00:00Z',
      ),
      'test',
    ],
    [survey(2, { site: 'site_001', notes: '-', depth: 1e-7 }, [p1!], '2026-11-23T23:30:00-02:00'), 'test'],
    [water, 'test'],
  ];
  const sent: Sent[] = [];
  for (const [payload, by] of payloads) {
    const res =
      by === 'phone'
        ? await as(
            app,
            { device: phone.credential },
            { method: 'PUT', url: `/api/submissions/${payload.id}`, payload },
          )
        : await putSubmission(app, payload);
    assert.equal(res.statusCode, 201, res.body);
    const sentBy =
      by === 'phone' ? { deviceId: phone.id, deviceName: 'Kisumu phone, "north"' } : server.sentBy!;
    sent.push({ payload, receipt: res.json<Receipt>(), sentBy, state: 'received', lastComment: null });
  }
  const review = async (i: number, body: { state?: ReviewState; comment?: string }) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/submissions/${sent[i]!.payload.id}/reviews`,
      payload: body,
    });
    assert.equal(res.statusCode, 201, res.body);
    if (body.state) sent[i]!.state = body.state;
    if (body.comment) sent[i]!.lastComment = body.comment;
  };
  await review(0, { state: 'rejected', comment: 'Wrong site, "check" it' });
  await review(0, { comment: 'Second look:\nthe pump, not the tank' });
  await review(1, { state: 'approved' });
  await review(2, { state: 'has_issues', comment: '=cmd|"/c calc"!A1' });
  // Back to received without a word: the last comment is still the one before.
  await review(2, { state: 'received' });
  return { sent, phone, photoBytes };
}
