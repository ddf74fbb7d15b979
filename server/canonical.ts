import { createHash } from 'node:crypto';
import { canonicalPayloadJson } from '../shared/canonical.js';
import type { SubmissionPayload } from '../shared/submission.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The identity of a submission's content: lower-case hex sha256 of the
 * canonical JSON of its canonical form (shared/canonical.ts). A resend with
 * the same hash is the same submission; any other is a conflict.
 */
export function submissionHash(payload: SubmissionPayload): string {
  return sha256Hex(canonicalPayloadJson(payload));
}

/** A received payload in its canonical form, with its submissionHash: one canonicalisation for both. */
export function canonicalSubmission(received: SubmissionPayload): {
  payload: SubmissionPayload;
  hash: string;
} {
  const json = canonicalPayloadJson(received);
  return { payload: JSON.parse(json) as SubmissionPayload, hash: sha256Hex(json) };
}
