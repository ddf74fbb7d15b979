/**
 * The one implementation of form validation. The page runs it beside each
 * field as the user types; the server runs it on every submission it accepts.
 * Messages are written for the person holding the phone.
 */
import { canonicalJson, isEmptyAnswer } from './canonical.js';
import { FIELD_TYPES, type Choice, type FieldDef, type FormDef, type ReferenceData } from './forms.js';
import {
  PHOTO_TYPES,
  SHA256_RE,
  type AnswerValue,
  type Answers,
  type FieldProblem,
  type GeoPoint,
  type SubmissionPayload,
} from './submission.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** RFC 3339's profile of ISO 8601, as toISOString() writes it; the offset is required. */
const DATE_TIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const NAME_RE = /^[a-z][a-z0-9_]*$/;
const FORM_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** What isIsoDateTime accepts, in words for a message: "must be ...". */
export const ISO_DATE_TIME_WORDS = 'an ISO 8601 date and time with its offset, e.g. 2026-11-20T09:31:00.000Z';

/** The choices of a select field: inline, or from the named list. */
export function choicesFor(field: FieldDef, lists: ReferenceData['lists']): Choice[] {
  if (field.choices) return field.choices;
  if (field.choiceList) return lists[field.choiceList] ?? [];
  return [];
}

/**
 * The values of a list of choices, made once per list: the server checks a
 * 20,000-village list on every submission. Lists are replaced, never
 * changed in place, so the list itself is the key.
 */
const choiceValues = new WeakMap<Choice[], Set<string>>();

function valuesOf(choices: Choice[]): Set<string> {
  let values = choiceValues.get(choices);
  if (!values) {
    values = new Set(choices.map((c) => c.value));
    choiceValues.set(choices, values);
  }
  return values;
}

export function isRequired(field: FieldDef): boolean {
  return field.required === true || typeof field.required === 'object';
}

function requiredMessage(field: FieldDef): string {
  if (typeof field.required === 'object') return field.required.message;
  if (field.type === 'photo') return 'Add at least one photo.';
  if (field.type === 'geopoint') return 'Record the location.';
  if (field.type === 'select_one' || field.type === 'select_multiple') return 'Choose an answer.';
  return 'This answer is required.';
}

/** No answer, or one left empty ("" or []): the canonical form drops the latter. */
export function isEmpty(value: AnswerValue | undefined | null): boolean {
  return value === undefined || value === null || isEmptyAnswer(value);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A YYYY-MM-DD that exists in the (proleptic) Gregorian calendar, as Date counts it. */
function isValidDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (DAYS_IN_MONTH[month - 1] ?? 0) + (month === 2 && leap ? 1 : 0);
}

/**
 * A date and time that exists, with its offset from UTC: 2026-11-20T09:31:00.000Z
 * or 2026-11-20T12:31:00+03:00. Date.parse alone is too lenient ("1" parses, and
 * "2026-02-30" becomes 2 March). No leap second: Date cannot hold one either.
 */
export function isIsoDateTime(s: string): boolean {
  const m = DATE_TIME_RE.exec(s);
  if (!m) return false;
  const [, date = '', hour, minute, second, offsetHours = '00', offsetMinutes = '00'] = m;
  return (
    isValidDate(date) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Number(offsetHours) <= 23 &&
    Number(offsetMinutes) <= 59
  );
}

/** Why v is not a valid GeoPoint, in words for the person holding the phone; null when it is one. */
export function geoPointProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'The location is not valid.';
  const p = v as Record<string, unknown>;
  const valid =
    typeof p.lat === 'number' &&
    typeof p.lon === 'number' &&
    typeof p.accuracy === 'number' &&
    Number.isFinite(p.lat) &&
    Number.isFinite(p.lon) &&
    Number.isFinite(p.accuracy) &&
    p.lat >= -90 &&
    p.lat <= 90 &&
    p.lon >= -180 &&
    p.lon <= 180 &&
    p.accuracy >= 0;
  if (!valid) return 'The location is not valid.';
  if (typeof p.time !== 'string' || !isIsoDateTime(p.time)) {
    return `The time of the location must be ${ISO_DATE_TIME_WORDS}; record the location again.`;
  }
  return null;
}

export function isGeoPoint(v: unknown): v is GeoPoint {
  return geoPointProblem(v) === null;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function countWord(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Checks one answer against its field. Returns the message to show, or null
 * when the answer is acceptable. An empty optional answer is acceptable.
 */
export function validateField(
  field: FieldDef,
  value: AnswerValue | undefined,
  lists: ReferenceData['lists'],
  unfinished = false,
): string | null {
  if (field.type === 'note') return isEmpty(value) ? null : 'A note takes no answer.';
  // An unfinished submission (a kiosk's walked-away form) may leave required questions unanswered.
  if (isEmpty(value)) return isRequired(field) && !unfinished ? requiredMessage(field) : null;
  const v = value as AnswerValue;
  const min = field.min;
  const max = field.max;

  switch (field.type) {
    case 'text': {
      if (typeof v !== 'string') return 'Enter text.';
      if (field.maxLength && [...v].length > field.maxLength.value) {
        return field.maxLength.message ?? `Use at most ${field.maxLength.value} characters.`;
      }
      if (field.pattern && !new RegExp(`^(?:${field.pattern.value})$`, 'u').test(v)) {
        return field.pattern.message ?? 'This answer is not in the expected format.';
      }
      return null;
    }
    case 'integer':
    case 'decimal': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'Enter a number.';
      if (field.type === 'integer' && !Number.isInteger(v)) return 'Enter a whole number.';
      if (typeof min?.value === 'number' && v < min.value) {
        return min.message ?? `Enter ${min.value} or more.`;
      }
      if (typeof max?.value === 'number' && v > max.value) {
        return max.message ?? `Enter ${max.value} or less.`;
      }
      return null;
    }
    case 'date': {
      if (typeof v !== 'string' || !isValidDate(v)) return 'Enter a date as YYYY-MM-DD.';
      if (typeof min?.value === 'string' && v < min.value) {
        return min.message ?? `Enter ${min.value} or later.`;
      }
      if (typeof max?.value === 'string' && v > max.value) {
        return max.message ?? `Enter ${max.value} or earlier.`;
      }
      return null;
    }
    case 'select_one': {
      if (typeof v !== 'string') return 'Choose one answer.';
      if (!valuesOf(choicesFor(field, lists)).has(v)) return 'This choice is not in the list.';
      return null;
    }
    case 'select_multiple': {
      if (!isStringArray(v)) return 'Choose from the list.';
      const known = valuesOf(choicesFor(field, lists));
      if (v.some((x) => !known.has(x))) return 'A choice is not in the list.';
      if (new Set(v).size !== v.length) return 'A choice is repeated.';
      if (typeof min?.value === 'number' && v.length < min.value) {
        return min.message ?? `Choose at least ${countWord(min.value, 'answer', 'answers')}.`;
      }
      if (typeof max?.value === 'number' && v.length > max.value) {
        return max.message ?? `Choose at most ${countWord(max.value, 'answer', 'answers')}.`;
      }
      return null;
    }
    case 'geopoint':
      return geoPointProblem(v);
    case 'photo': {
      if (!isStringArray(v) || v.some((h) => !SHA256_RE.test(h))) return 'A photo is not valid.';
      if (new Set(v).size !== v.length) return 'The same photo is added twice.';
      if (typeof min?.value === 'number' && v.length < min.value) {
        return min.message ?? `Add at least ${countWord(min.value, 'photo', 'photos')}.`;
      }
      if (typeof max?.value === 'number' && v.length > max.value) {
        return max.message ?? `Add at most ${countWord(max.value, 'photo', 'photos')}.`;
      }
      return null;
    }
  }
}

/** Every problem with a set of answers, in the order of the form's fields. */
export function validateAnswers(
  form: FormDef,
  answers: Answers,
  lists: ReferenceData['lists'],
  unfinished = false,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const names = new Set(form.fields.map((f) => f.name));
  for (const field of form.fields) {
    const message = validateField(field, answers[field.name], lists, unfinished);
    if (message) problems.push({ field: field.name, message });
  }
  for (const key of Object.keys(answers)) {
    if (!names.has(key)) problems.push({ field: key, message: 'This form has no such question.' });
  }
  return problems;
}

/**
 * Everything the server checks of a submission's content beyond its JSON
 * shape: the answers against the form, and the photo list against the photo
 * answers (each hash answered has its description, and nothing else).
 */
export function validateSubmission(
  form: FormDef,
  payload: SubmissionPayload,
  lists: ReferenceData['lists'],
): FieldProblem[] {
  const unfinished = payload.unfinished === true;
  const problems = validateAnswers(form, payload.answers, lists, unfinished);
  if (unfinished && form.whenAbandoned !== 'save')
    problems.push({
      field: 'unfinished',
      message: `Form "${form.id}" does not take unfinished submissions: answer every required question, then save.`,
    });
  const answered = new Map<string, string>();
  for (const field of form.fields) {
    const v = payload.answers[field.name];
    if (field.type === 'photo' && isStringArray(v)) for (const h of v) answered.set(h, field.name);
  }
  const described = new Set<string>();
  payload.photos.forEach((p, i) => {
    const at = `photos[${i}]`;
    if (described.has(p.sha256)) problems.push({ field: at, message: 'This photo is listed twice.' });
    described.add(p.sha256);
    if (answered.get(p.sha256) !== p.field) {
      problems.push({
        field: at,
        message: `Photo ${p.sha256.slice(0, 12)}… is not an answer to "${p.field}".`,
      });
    }
    if (!PHOTO_TYPES.includes(p.type)) problems.push({ field: at, message: 'Unsupported photo type.' });
    if (typeof p.geotag?.time === 'string' && !isIsoDateTime(p.geotag.time)) {
      problems.push({
        field: `${at}.geotag.time`,
        message: `The time photo ${p.sha256.slice(0, 12)}… was taken must be ${ISO_DATE_TIME_WORDS}.`,
      });
    }
  });
  for (const [hash, field] of answered) {
    if (!described.has(hash)) {
      problems.push({ field, message: `Photo ${hash.slice(0, 12)}… has no description in photos.` });
    }
  }
  const firstPoint = form.fields.find((f) => f.type === 'geopoint');
  const expected = firstPoint ? payload.answers[firstPoint.name] : undefined;
  const locationProblem = payload.location === null ? null : geoPointProblem(payload.location);
  if (locationProblem) {
    problems.push({ field: 'location', message: locationProblem });
  } else if (canonicalJson(payload.location ?? null) !== canonicalJson(expected ?? null)) {
    // Compared by value: the same point with its keys in another order is the same point.
    problems.push({ field: 'location', message: 'The location must be the first location answer.' });
  }
  return problems;
}

/**
 * Checks a form definition (from the forms directory, or stored reference
 * data from an older version). Returns the problems in words; empty is good.
 */
export function validateFormDef(def: unknown, lists: ReferenceData['lists']): string[] {
  const problems: string[] = [];
  if (typeof def !== 'object' || def === null) return ['A form must be a JSON object.'];
  const f = def as Partial<FormDef>;
  const where = typeof f.id === 'string' ? `Form "${f.id}"` : 'A form';
  if (typeof f.id !== 'string' || !FORM_ID_RE.test(f.id)) {
    problems.push(`${where}: id must be lower case letters, digits, "-" or "_".`);
  }
  if (typeof f.version !== 'number' || !Number.isInteger(f.version) || f.version < 1) {
    problems.push(`${where}: version must be a whole number from 1.`);
  }
  if (typeof f.title !== 'string' || f.title.trim() === '') problems.push(`${where}: title is missing.`);
  if (!Array.isArray(f.fields) || f.fields.length === 0) {
    problems.push(`${where}: fields must be a non-empty list.`);
    return problems;
  }
  if (f.whenAbandoned !== undefined && f.whenAbandoned !== 'discard' && f.whenAbandoned !== 'save')
    problems.push(`${where}: whenAbandoned must be "discard" or "save".`);
  const seen = new Set<string>();
  for (const field of f.fields as Partial<FieldDef>[]) {
    const at = `${where}, field "${String(field?.name)}"`;
    if (typeof field !== 'object' || field === null) {
      problems.push(`${where}: every field must be an object.`);
      continue;
    }
    if (typeof field.name !== 'string' || !NAME_RE.test(field.name)) {
      problems.push(`${at}: name must be lower case letters, digits or "_", starting with a letter.`);
    } else if (seen.has(field.name)) {
      problems.push(`${at}: the name is used twice.`);
    } else {
      seen.add(field.name);
    }
    if (!FIELD_TYPES.includes(field.type as FieldDef['type'])) {
      problems.push(`${at}: type must be one of ${FIELD_TYPES.join(', ')}.`);
    }
    if (typeof field.label !== 'string' || field.label.trim() === '')
      problems.push(`${at}: label is missing.`);
    if (field.type === 'select_one' || field.type === 'select_multiple') {
      if (field.choiceList !== undefined) {
        if (!lists[field.choiceList])
          problems.push(`${at}: the choice list "${field.choiceList}" does not exist.`);
      } else if (!Array.isArray(field.choices) || field.choices.length === 0) {
        problems.push(`${at}: give choices or a choiceList.`);
      }
    }
    if (field.pattern) {
      try {
        new RegExp(field.pattern.value, 'u');
      } catch {
        problems.push(`${at}: pattern is not a valid regular expression.`);
      }
    }
  }
  return problems;
}

/** Whether a choice list is usable: every choice has a value and a label. */
export function isChoiceList(choices: unknown): choices is Choice[] {
  return (
    Array.isArray(choices) &&
    choices.every((c: Partial<Choice>) => typeof c?.value === 'string' && typeof c?.label === 'string')
  );
}

/** Checks reference data as a whole, e.g. before it replaces what the device has. */
export function validateReference(ref: unknown): string[] {
  if (typeof ref !== 'object' || ref === null) return ['Reference data must be an object.'];
  const r = ref as Partial<ReferenceData>;
  if (typeof r.lists !== 'object' || r.lists === null || Array.isArray(r.lists)) return ['lists is missing.'];
  if (!Array.isArray(r.forms)) return ['forms is missing.'];
  const problems: string[] = [];
  for (const [name, choices] of Object.entries(r.lists)) {
    if (!isChoiceList(choices)) problems.push(`List "${name}": every choice needs a value and a label.`);
  }
  for (const form of r.forms) problems.push(...validateFormDef(form, r.lists));
  return problems;
}
