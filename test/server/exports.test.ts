/**
 * Exports of the review table's filtered set: the CSV read back with a real
 * CSV parser and checked cell by cell against what was sent, the GeoJSON
 * against RFC 7946, the ZIP unpacked and each photo hashed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import type { LightMyRequestResponse } from 'fastify';
import type { ReviewPage } from '../../shared/review.js';
import type { ApiError } from '../../shared/submission.js';
import { as, supervisor } from './accounts-helpers.js';
import { V1_HEADER, asFile, attachment, expectedRow, type PhotoName } from './export-expectations.js';
import { SURVEY_FORMS, SURVEY_HEADER, seedSurveys, type Seeded } from './export-fixtures.js';
import { formsDirMaker, sha256Hex, startTestServer, type TestServer } from './helpers.js';

const HOST = 'exports.example.org:8443';
const LINK = `http://${HOST}/api/photos/`;
const asLink: PhotoName = (sha256) => LINK + sha256;

describe('exports of the review table', () => {
  const makeFormsDir = formsDirMaker();
  let server: TestServer;
  let seeded: Seeded;
  let admin: string;
  let surveys: string;
  let waterOnly: string;

  before(async () => {
    const formsDir = makeFormsDir(SURVEY_FORMS);
    // Two rows a page, so that every export crosses pages.
    server = await startTestServer({ formsDir, exportPageSize: 2 });
    seeded = await seedSurveys(server);
    admin = server.credentials!.admin.session;
    surveys = (await supervisor(server.app, ['survey'])).session;
    waterOnly = (await supervisor(server.app, ['water-point-inspection'])).session;
  });
  after(() => server.close());

  const get = (url: string, session: string = admin, headers: Record<string, string> = {}) =>
    as(server.app, { session }, { method: 'GET', url, headers: { host: HOST, ...headers } });
  const rowsOf = (res: LightMyRequestResponse): string[][] => {
    assert.equal(res.statusCode, 200, res.body);
    return parse(res.rawPayload, { bom: true }) as string[][];
  };
  const csv = async (query: string, session?: string) =>
    rowsOf(await get(`/api/review/export.csv?${query}`, session));
  const sentAt = (...indexes: number[]) => indexes.map((i) => seeded.sent[i]!);
  const listed = async (query: string, session: string = admin): Promise<string[]> => {
    const res = await get(`/api/review/submissions?limit=500&${query}`, session);
    return res.json<ReviewPage>().items.map((i) => i.submission.id);
  };

  it('writes each submission of the form as a CSV row, newest received first, every cell as sent', async () => {
    const res = await get('/api/review/export.csv?form=survey');
    attachment(res, 'text/csv; charset=utf-8; header=present', 'survey', 'csv');
    assert.deepEqual([...res.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.ok(
      res.body.startsWith('\uFEFFSubmission ID,Form ID,Form version,Device,') && res.body.endsWith('\r\n'),
    );
    const [header, ...rows] = rowsOf(res);
    assert.deepEqual(header, SURVEY_HEADER);
    assert.deepEqual(
      rows,
      sentAt(3, 2, 1, 0).map((s) => expectedRow(s, SURVEY_HEADER, asLink)),
    );
  });

  it('quotes as RFC 4180 says and keeps formulas from running, numbers as they are', async () => {
    const body = (await get('/api/review/export.csv?form=survey')).body;
    assert.ok(body.includes(`"'=HYPERLINK(""http://evil.example/"",""Click, here"")"`), 'a formula, quoted');
    assert.ok(body.includes('"<img src=x onerror=alert(1)>\r\nline two, with a comma"'), 'markup as it is');
    assert.ok(body.includes(`"'=cmd|""/c calc""!A1"`), 'a comment that looks like a formula');
    assert.ok(body.includes(`,"Kisumu phone, ""north""",`), 'a device name with a comma and quotes');
    const [header, ...rows] = await csv('form=survey');
    const cell = (row: string[] | undefined, name: string) => row?.[header!.indexOf(name)];
    assert.equal(cell(rows[3], 'depth'), '-2.5');
    assert.equal(cell(rows[2], 'Longitude'), '-0.1276');
    assert.equal(cell(rows[0], 'notes'), "'-");
    assert.equal(cell(rows[1], 'notes'), "'+1 more, -2 less\n@mention");
    assert.equal(cell(rows[1], 'extra'), "'\tTabbed");
    assert.equal(cell(rows[2], 'extra'), 'Ünïcödé 水 🚰; naïve café');
    // A version's own labels: version 1 called a leak "Leak, dripping", version 2 "Leaking".
    assert.equal(cell(rows[3], 'problems (label)'), 'Leak, dripping; Rust "bad"');
    assert.equal(cell(rows[2], 'problems (label)'), 'Dry — sèche; Leaking');
  });

  it('exports what the listing lists for the same filter, in its order, within the reviewer’s forms', async () => {
    for (const query of [
      'state=rejected,has_issues',
      `device=${seeded.phone.id}`,
      'capturedFrom=2026-11-21&capturedBefore=2026-11-23',
      'q=hyperlink',
      'version=2&state=received',
      'sort=captured',
      `correctionOf=${seeded.sent[0]!.payload.id}`,
    ]) {
      const [, ...rows] = await csv(`form=survey&${query}`);
      assert.deepEqual(
        rows.map((r) => r[0]),
        await listed(`form=survey&${query}`),
        query,
      );
    }
    // Only version 1 is rejected: the columns are its questions.
    assert.deepEqual(await csv('form=survey&state=rejected'), [
      V1_HEADER,
      expectedRow(seeded.sent[0]!, V1_HEADER, asLink),
    ]);
    assert.deepEqual(await csv('form=survey', surveys), await csv('form=survey'));
    // A supervisor of other forms gets no row, and not the form's questions either.
    assert.deepEqual(await csv('form=survey', waterOnly), [SURVEY_HEADER.slice(0, 9)]);
  });

  it('lays out the questions of the versions the export holds', async () => {
    assert.deepEqual(await csv('form=survey&version=1'), [
      V1_HEADER,
      expectedRow(seeded.sent[0]!, V1_HEADER, asLink),
    ]);
    // Nothing matches: the newest version's questions, so that the file still says what it would hold.
    const [empty, ...none] = await csv('form=survey&state=approved&q=nothing');
    assert.deepEqual(none, []);
    assert.deepEqual(empty, SURVEY_HEADER.slice(0, -1));
  });

  it('writes GeoJSON of RFC 7946: a Feature per submission, at [longitude, latitude]', async () => {
    const res = await get('/api/review/export.geojson');
    attachment(res, 'application/geo+json', 'submissions', 'geojson');
    const doc = res.json<{ type: string; features: Record<string, unknown>[] }>();
    assert.deepEqual(Object.keys(doc), ['type', 'features']);
    assert.equal(doc.type, 'FeatureCollection');
    const expected = sentAt(4, 3, 2, 1, 0);
    assert.equal(doc.features.length, expected.length);
    doc.features.forEach((f, i) => {
      const s = expected[i]!;
      const { payload: p } = s;
      assert.equal(f.type, 'Feature');
      assert.equal(f.id, p.id);
      if (p.location === null) assert.equal(f.geometry, null);
      else {
        const { type, coordinates } = f.geometry as { type: string; coordinates: number[] };
        assert.equal(type, 'Point');
        assert.deepEqual(coordinates, [p.location.lon, p.location.lat]);
        assert.ok(Math.abs(coordinates[0]!) <= 180 && Math.abs(coordinates[1]!) <= 90);
      }
      const props = f.properties as Record<string, unknown>;
      assert.deepEqual(
        { ...props, answers: undefined, labels: undefined, photos: undefined },
        {
          id: p.id,
          formId: p.formId,
          formVersion: p.formVersion,
          device: s.sentBy.deviceName,
          deviceId: s.sentBy.deviceId,
          capturedAt: new Date(p.createdAt).toISOString(),
          receivedAt: s.receipt.receivedAt,
          reviewState: s.state,
          accuracy: p.location?.accuracy ?? null,
          answers: undefined,
          labels: undefined,
          photos: undefined,
        },
      );
      assert.deepEqual(props.answers, p.answers);
    });
    const survey = doc.features[3]!.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(survey.labels, { site: 'Sondu Borehole', problems: ['Dry — sèche', 'Leaking'] });
    assert.deepEqual(survey.photos, { photos: [LINK + seeded.sent[1]!.payload.photos[0]!.sha256] });
    assert.deepEqual((doc.features[0]!.properties as Record<string, unknown>).labels, {
      site: 'Sondu Borehole',
      condition: 'Dry',
    });

    const mine = (await get('/api/review/export.geojson', waterOnly)).json<{ features: { id: string }[] }>();
    assert.deepEqual(
      mine.features.map((f) => f.id),
      [seeded.sent[4]!.payload.id],
    );
    const approved = (await get('/api/review/export.geojson?form=survey&state=approved')).json<{
      features: { id: string }[];
    }>();
    assert.deepEqual(
      approved.features.map((f) => f.id),
      [seeded.sent[1]!.payload.id],
    );
  });

  it('zips the CSV with every photo of its rows once, stored under its hash', async () => {
    const res = await get('/api/review/export.zip?form=survey', admin, { 'accept-encoding': 'gzip, br' });
    const name = attachment(res, 'application/zip', 'survey', 'zip');
    assert.equal(res.headers['content-encoding'], undefined);
    const files = unzipSync(new Uint8Array(res.rawPayload));
    const photos = Object.keys(files).filter((f) => f !== `${name}.csv`);
    const sent = new Set(
      sentAt(0, 1, 2, 3).flatMap((s) => s.payload.photos.map((p) => asFile(p.sha256, p.type))),
    );
    assert.deepEqual(photos.sort(), [...sent].sort());
    for (const file of photos) {
      const sha256 = /^photos\/([0-9a-f]{64})\.(jpg|png)$/.exec(file)?.[1];
      assert.equal(sha256Hex(files[file]!), sha256, file);
      assert.deepEqual(Buffer.from(files[file]!), seeded.photoBytes.get(sha256!));
    }
    const inside = parse(Buffer.from(files[`${name}.csv`]!), { bom: true }) as string[][];
    const outside = await csv('form=survey');
    const photoColumn = SURVEY_HEADER.indexOf('photos');
    assert.deepEqual(
      inside.map((r) => r.filter((_, i) => i !== photoColumn)),
      outside.map((r) => r.filter((_, i) => i !== photoColumn)),
    );
    assert.deepEqual(
      inside.slice(1),
      sentAt(3, 2, 1, 0).map((s) => expectedRow(s, SURVEY_HEADER, asFile)),
    );
    // The central directory: the CSV deflated (8), the photos stored (0).
    const zip = res.rawPayload;
    const end = zip.length - 22;
    let at = zip.readUInt32LE(end + 16);
    const methods: Record<string, number> = {};
    for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
      const nameLength = zip.readUInt16LE(at + 28);
      methods[zip.toString('utf8', at + 46, at + 46 + nameLength)] = zip.readUInt16LE(at + 10);
      at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    }
    assert.deepEqual(methods, Object.fromEntries([[`${name}.csv`, 8], ...[...sent].map((f) => [f, 0])]));
  });

  it('gzips the CSV and the GeoJSON as they stream when asked, and never the ZIP', async () => {
    for (const url of ['/api/review/export.csv?form=survey', '/api/review/export.geojson']) {
      const plain = await get(url);
      const zipped = await get(url, admin, { 'accept-encoding': 'gzip' });
      assert.equal(zipped.headers['content-encoding'], 'gzip', url);
      assert.equal(zipped.headers['content-length'], undefined, url);
      assert.deepEqual(gunzipSync(zipped.rawPayload), plain.rawPayload, url);
    }
  });

  it('answers what it cannot export with an ApiError: 400, 401, 403', async () => {
    for (const url of ['/api/review/export.csv', '/api/review/export.zip?state=received']) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, res.body);
      assert.deepEqual(
        { ...res.json<ApiError>(), message: undefined },
        {
          error: 'bad_request',
          field: 'form',
          message: undefined,
        },
      );
      assert.match(res.json<ApiError>().message, /Choose a form/);
    }
    for (const [query, field] of [
      ['form=survey&cursor=abc', 'cursor'],
      ['form=survey&state=lost', 'state'],
      ['form=survey&capturedFrom=yesterday', 'capturedFrom'],
    ] as const) {
      for (const kind of ['csv', 'geojson', 'zip']) {
        const res = await get(`/api/review/export.${kind}?${query}`);
        assert.equal(res.statusCode, 400, `${kind} ${query}: ${res.body}`);
        assert.equal(res.json<ApiError>().field, field);
        assert.equal(res.headers['content-disposition'], undefined);
      }
    }
    for (const kind of ['csv', 'geojson', 'zip']) {
      const url = `/api/review/export.${kind}?form=survey`;
      const none = await as(server.app, {}, { method: 'GET', url });
      assert.equal(none.statusCode, 401, none.body);
      assert.equal(none.json<ApiError>().error, 'unauthorized');
      const device = await as(server.app, { device: seeded.phone.credential }, { method: 'GET', url });
      assert.equal(device.statusCode, 403, device.body);
      assert.equal(device.json<ApiError>().error, 'forbidden');
    }
  });
});
