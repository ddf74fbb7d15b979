import { createHash } from 'node:crypto';
import { canonicalJson, canonicalPayload } from '../shared/canonical.js';
import type { SubmissionPayload } from '../shared/submission.js';

/**
 * The identity of a submission's content: lower-case hex sha256 of the
 * canonical JSON of its canonical form (shared/canonical.ts). A resend with
 * the same hash is the same submission; any other is a conflict.
 */
export function submissionHash(payload: SubmissionPayload): string {
  return createHash('sha256')
    .update(canonicalJson(canonicalPayload(payload)))
    .digest('hex');
}
