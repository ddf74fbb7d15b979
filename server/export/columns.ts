/**
 * The columns of a form's CSV export: the record's own columns, its
 * location, then the questions of every version in the export (the newest
 * version's order, then questions only older versions had). Fixed columns
 * are capitalised words and field names are lower case, so they never
 * clash.
 */
import type { FieldDef, FormDef } from '../../shared/forms.js';
import type { AnswerValue } from '../../shared/submission.js';
import { isGeoPoint } from '../../shared/validate.js';
import { photoNames, type AnswerLabels, type PhotoName } from './answers.js';
import type { ExportItem } from './walk.js';

/** A cell: text, a number (written as it is: a negative number is no formula), or empty. */
export type Cell = string | number | null;

/** A row to write: the submission and the form version it was captured on. */
export interface ExportRow extends ExportItem {
  form: FormDef | undefined;
}

export interface Column {
  header: string;
  cell(row: ExportRow): Cell;
}

export interface ColumnContext {
  labels: AnswerLabels;
  photoName: PhotoName;
}

const answer = (row: ExportRow, name: string): AnswerValue | undefined =>
  row.submission.payload.answers[name];

/** An ISO time in UTC, as the server writes times: devices write theirs with any offset. */
const utc = (time: string): string => new Date(time).toISOString();

const RECORD_COLUMNS: Column[] = [
  { header: 'Submission ID', cell: (r) => r.submission.receipt.id },
  { header: 'Form ID', cell: (r) => r.submission.payload.formId },
  { header: 'Form version', cell: (r) => r.submission.payload.formVersion },
  { header: 'Device', cell: (r) => r.submission.sentBy?.deviceName ?? null },
  { header: 'Device ID', cell: (r) => r.submission.sentBy?.deviceId ?? null },
  { header: 'Captured at', cell: (r) => utc(r.submission.payload.createdAt) },
  { header: 'Received at', cell: (r) => r.submission.receipt.receivedAt },
  { header: 'Review state', cell: (r) => r.reviewState },
  { header: 'Last review comment', cell: (r) => r.lastComment },
];

const LOCATION_COLUMNS: Column[] = [
  { header: 'Latitude', cell: (r) => r.submission.payload.location?.lat ?? null },
  { header: 'Longitude', cell: (r) => r.submission.payload.location?.lon ?? null },
  { header: 'Accuracy (m)', cell: (r) => r.submission.payload.location?.accuracy ?? null },
];

/** Any other answer as one cell; a list (unexpected outside choices and photos) space-separated. */
function plain(value: AnswerValue | undefined): Cell {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.join(' ');
  if (isGeoPoint(value)) return `${value.lat} ${value.lon}`;
  return value;
}

/** The columns of one question, laid out by the newest version that has it. */
function fieldColumns(field: FieldDef, ctx: ColumnContext): Column[] {
  const { name } = field;
  switch (field.type) {
    case 'note':
      return [];
    case 'select_one':
    case 'select_multiple':
      // Labels come from the row's own version: its choices may differ from the newest's.
      return [
        { header: name, cell: (r) => plain(answer(r, name)) },
        {
          header: `${name} (label)`,
          cell: (r) => {
            const value = answer(r, name);
            return value === undefined ? null : ctx.labels.labels(r.form, name, value).join('; ');
          },
        },
      ];
    case 'geopoint':
      return (['latitude', 'longitude', 'accuracy'] as const).map((part) => ({
        header: `${name} (${part})`,
        cell: (r) => {
          const value = answer(r, name);
          if (!isGeoPoint(value)) return null;
          return part === 'latitude' ? value.lat : part === 'longitude' ? value.lon : value.accuracy;
        },
      }));
    case 'photo':
      return [
        {
          header: name,
          cell: (r) => {
            const names = photoNames(r.submission.payload, answer(r, name), ctx.photoName);
            return names.length === 0 ? null : names.join(' ');
          },
        },
      ];
    default:
      return [{ header: name, cell: (r) => plain(answer(r, name)) }];
  }
}

/** Every question of the versions given (newest first), once, in the newest order that has it. */
export function questionsOf(forms: FormDef[]): FieldDef[] {
  const byName = new Map<string, FieldDef>();
  for (const form of forms)
    for (const field of form.fields) if (!byName.has(field.name)) byName.set(field.name, field);
  return [...byName.values()];
}

/** The columns of a form's export over these versions (newest first). */
export function formColumns(forms: FormDef[], ctx: ColumnContext): Column[] {
  const questions = questionsOf(forms);
  const located = questions.some((f) => f.type === 'geopoint');
  return [
    ...RECORD_COLUMNS,
    ...(located ? LOCATION_COLUMNS : []),
    ...questions.flatMap((f) => fieldColumns(f, ctx)),
  ];
}
