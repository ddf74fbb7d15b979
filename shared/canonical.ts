/**
 * The canonical form of a submission, on which its identity is defined: two
 * payloads are the same submission exactly when their canonical JSON is the
 * same. Pure functions, so the page can compute it as the server does.
 */
import type { AnswerValue, Answers, SubmissionPayload } from './submission.js';

/**
 * JSON.stringify's replacer that gives every object's keys in sorted order.
 * It sees each value after toJSON, as the output will hold it; arrays, and
 * boxed primitives (which JSON.stringify unboxes after it), pass unchanged.
 */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return value;
  const object = value as Record<string, unknown>;
  // No prototype: a "__proto__" key is assigned as a plain key, not a prototype.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(object).sort()) sorted[key] = object[key];
  return sorted;
}

/**
 * JSON with object keys sorted at every level, so equal content gives equal
 * text whatever the key order. Stored form definitions are compared in this
 * form too, so its output must never change.
 */
export function canonicalJson(value: unknown): string {
  // One pass: undefined dropped and toJSON applied as JSON.stringify always does.
  return JSON.stringify(value, sortedKeys);
}

/** "" and []: an answer the user left empty, the same as no answer at all. */
export function isEmptyAnswer(value: AnswerValue): boolean {
  return value === '' || (Array.isArray(value) && value.length === 0);
}

function withoutEmptyAnswers(answers: Answers): Answers {
  return Object.fromEntries(Object.entries(answers).filter(([, value]) => !isEmptyAnswer(value)));
}

/**
 * The canonical JSON of a payload: that of canonicalPayload(payload), got
 * without parsing it back. A submission's identity is this text.
 */
export function canonicalPayloadJson(payload: SubmissionPayload): string {
  const canonical: SubmissionPayload = {
    ...payload,
    answers: withoutEmptyAnswers(payload.answers),
    // Optional on the wire for apps from before it existed.
    referenceVersion: payload.referenceVersion ?? null,
  };
  return canonicalJson(canonical);
}

/**
 * The payload as the server stores and returns it: an absent referenceVersion
 * becomes null, empty answers are dropped, and object keys are sorted at
 * every level. Array order is kept: it carries meaning (photo order, choices).
 */
export function canonicalPayload(payload: SubmissionPayload): SubmissionPayload {
  return JSON.parse(canonicalPayloadJson(payload)) as SubmissionPayload;
}
