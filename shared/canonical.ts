/**
 * The canonical form of a submission, on which its identity is defined: two
 * payloads are the same submission exactly when their canonical JSON is the
 * same. Pure functions, so the page can compute it as the server does.
 */
import type { AnswerValue, Answers, SubmissionPayload } from './submission.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    // fromEntries rather than assignment: a "__proto__" key stays a plain key.
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key] as Json)]),
    );
  }
  return value;
}

/**
 * JSON with object keys sorted at every level, so equal content gives equal
 * text whatever the key order. Stored form definitions are compared in this
 * form too, so its output must never change.
 */
export function canonicalJson(value: unknown): string {
  // The round trip first drops undefined and applies toJSON, as JSON.stringify would.
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value)) as Json));
}

/** "" and []: an answer the user left empty, the same as no answer at all. */
export function isEmptyAnswer(value: AnswerValue): boolean {
  return value === '' || (Array.isArray(value) && value.length === 0);
}

function withoutEmptyAnswers(answers: Answers): Answers {
  return Object.fromEntries(Object.entries(answers).filter(([, value]) => !isEmptyAnswer(value)));
}

/**
 * The payload as the server stores and returns it: an absent referenceVersion
 * becomes null, empty answers are dropped, and object keys are sorted at
 * every level. Array order is kept: it carries meaning (photo order, choices).
 */
export function canonicalPayload(payload: SubmissionPayload): SubmissionPayload {
  const canonical: SubmissionPayload = {
    ...payload,
    answers: withoutEmptyAnswers(payload.answers),
    // Optional on the wire for apps from before it existed.
    referenceVersion: payload.referenceVersion ?? null,
  };
  return JSON.parse(canonicalJson(canonical)) as SubmissionPayload;
}
