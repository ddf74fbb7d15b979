import { canonicalPayload } from '../shared/canonical.js';
import type { FieldProblem, Receipt, SubmissionPayload } from '../shared/submission.js';
import { validateSubmission } from '../shared/validate.js';
import { submissionHash } from './canonical.js';
import { HttpError } from './errors.js';
import type { Reference } from './reference.js';
import type { Repository } from './repository.js';

export interface Accepted {
  /** 201 for a new submission, 200 for a resend of one already held. */
  status: 201 | 200;
  receipt: Receipt;
}

function describeProblems(problems: FieldProblem[]): string {
  const [first, ...rest] = problems;
  if (!first) return 'The submission is not valid.';
  const more =
    rest.length === 0 ? '' : ` (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})`;
  return `"${first.field}": ${first.message}${more}`;
}

function validationFailed(problems: FieldProblem[]): HttpError {
  return new HttpError(422, {
    error: 'validation_failed',
    message: describeProblems(problems),
    field: problems[0]?.field ?? '',
    problems,
  });
}

/**
 * Decides what a PUT of a submission does, in the documented order: a
 * resend is answered from what is stored before anything else is checked,
 * then the form (any version ever published, withdrawn ones included), the
 * answers, the photos, and finally the insert. Everything after the resend
 * check sees, and stores, the canonical form of the payload. Runs as one
 * IMMEDIATE transaction so two PUTs of the same new id cannot both insert.
 */
export function acceptSubmission(
  repo: Repository,
  reference: Reference,
  received: SubmissionPayload,
): Accepted {
  const payload = canonicalPayload(received);
  const hash = submissionHash(payload);
  return repo.transaction(() => {
    const existing = repo.getSubmission(payload.id);
    if (existing) {
      if (existing.contentHash === hash) return { status: 200, receipt: existing.receipt };
      throw new HttpError(409, {
        error: 'conflict',
        message: `Submission ${payload.id} was already received (seq ${existing.receipt.seq}) with different content. A submission cannot be changed once sent; save the changes as a new submission.`,
      });
    }

    const form = reference.form(payload.formId, payload.formVersion);
    if (!form) {
      const known = reference.versions(payload.formId);
      throw new HttpError(422, {
        error: 'unknown_form',
        field: known.length === 0 ? 'formId' : 'formVersion',
        message:
          known.length === 0
            ? `The server has no form "${payload.formId}".`
            : `The server has no version ${payload.formVersion} of form "${payload.formId}" (it has ${known.join(', ')}).`,
      });
    }

    const problems = validateSubmission(form, payload, reference.data.lists);
    if (problems.length > 0) throw validationFailed(problems);

    const missing: string[] = [];
    const mismatched: FieldProblem[] = [];
    payload.photos.forEach((ref, i) => {
      const held = repo.getPhoto(ref.sha256);
      if (!held) missing.push(ref.sha256);
      else if (held.bytes !== ref.bytes || held.type !== ref.type) {
        mismatched.push({
          field: `photos[${i}]`,
          message: `The server holds photo ${ref.sha256.slice(0, 12)}… as ${held.bytes} bytes of ${held.type}, not ${ref.bytes} bytes of ${ref.type}.`,
        });
      }
    });
    if (missing.length > 0) {
      throw new HttpError(409, {
        error: 'missing_photos',
        message: `Upload ${missing.length === 1 ? 'this photo' : `these ${missing.length} photos`} first, then send the submission again.`,
        missing,
      });
    }
    if (mismatched.length > 0) throw validationFailed(mismatched);

    const receipt = repo.insertSubmission(payload, hash, new Date().toISOString());
    // The id was checked above inside this same transaction, so the insert cannot meet a duplicate.
    if (!receipt) throw new Error(`Submission ${payload.id} appeared during its own transaction.`);
    return { status: 201, receipt };
  });
}
