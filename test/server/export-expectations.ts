/**
 * What an export of the surveys (export-fixtures.ts) should hold, worked
 * out from what was sent, independently of the server's export code.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { Choice } from '../../shared/forms.js';
import type { GeoPoint } from '../../shared/submission.js';
import { SURVEY_HEADER, surveyV1, surveyV2, type Sent } from './export-fixtures.js';
import { demoSites } from './helpers.js';

/** The columns of version 1 alone: its questions in its order. */
export const V1_HEADER = [
  ...SURVEY_HEADER.slice(0, 16),
  ...['notes', 'old_only', 'count', 'depth', 'visited'],
  ...['location (latitude)', 'location (longitude)', 'location (accuracy)', 'photos'],
];
const sites = JSON.parse(demoSites) as Choice[];
const guard = (text: string): string => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
const EXT = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
export type PhotoName = (sha256: string, type: keyof typeof EXT) => string;
/** A photo as the ZIP names it. */
export const asFile: PhotoName = (sha256, type) => `photos/${sha256}.${EXT[type]}`;

/** Checks the head of an export answered whole; answers its file name without the extension. */
export function attachment(
  res: LightMyRequestResponse,
  type: string,
  form: string,
  extension: string,
): string {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], type);
  assert.equal(res.headers['cache-control'], 'no-store');
  const disposition = String(res.headers['content-disposition']);
  const name = new RegExp(`^attachment; filename="(${form}-\\d{4}-\\d{2}-\\d{2})\\.${extension}"$`).exec(
    disposition,
  );
  assert.ok(name?.[1], disposition);
  return name[1];
}

/** The row a survey should have in the CSV, worked out from what was sent, under header. */
export function expectedRow(s: Sent, header: string[], photo: PhotoName): string[] {
  const { payload: p, receipt } = s;
  const a = p.answers as Record<string, string | number | string[] | GeoPoint | undefined>;
  const form = p.formVersion === 1 ? surveyV1 : surveyV2;
  const choices = (name: string) =>
    name === 'site' ? sites : (form.fields.find((f) => f.name === name)?.choices ?? []);
  const codes = (name: string) => [a[name] ?? []].flat() as string[];
  const labels = (name: string) => codes(name).map((c) => choices(name).find((x) => x.value === c)!.label);
  // Text is guarded against formulas; numbers are written as they are (-2.5 stays a number).
  const text = (name: string, v = a[name]) =>
    typeof v === 'string' ? guard(v) : v === undefined ? '' : String(v);
  const point = (name: string, g = a[name] as GeoPoint | undefined) => ({
    [`${name} (latitude)`]: g ? String(g.lat) : '',
    [`${name} (longitude)`]: g ? String(g.lon) : '',
    [`${name} (accuracy)`]: g ? String(g.accuracy) : '',
  });
  const cells: Record<string, string> = {
    'Submission ID': p.id,
    'Form ID': p.formId,
    'Form version': String(p.formVersion),
    Device: s.sentBy.deviceName,
    'Device ID': s.sentBy.deviceId,
    'Captured at': new Date(p.createdAt).toISOString(),
    'Received at': receipt.receivedAt,
    'Review state': s.state,
    'Last review comment': guard(s.lastComment ?? ''),
    Latitude: p.location ? String(p.location.lat) : '',
    Longitude: p.location ? String(p.location.lon) : '',
    'Accuracy (m)': p.location ? String(p.location.accuracy) : '',
    site: codes('site').join(' '),
    'site (label)': labels('site').join('; '),
    problems: codes('problems').join(' '),
    'problems (label)': labels('problems').join('; '),
    ...Object.fromEntries(
      ['notes', 'count', 'depth', 'visited', 'extra', 'old_only'].map((n) => [n, text(n)]),
    ),
    ...point('location'),
    ...point('exit_point'),
    photos: codes('photos')
      .map((sha) => photo(sha, p.photos.find((r) => r.sha256 === sha)!.type))
      .join(' '),
  };
  return header.map((h) => {
    assert.ok(h in cells, `no expectation for the column "${h}"`);
    return cells[h]!;
  });
}
