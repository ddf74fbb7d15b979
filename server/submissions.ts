import type { FormDef } from '../shared/forms.js';
import type { FieldProblem, Receipt, ServerSubmission, SubmissionPayload } from '../shared/submission.js';
import { validateSubmission } from '../shared/validate.js';
import { canonicalSubmission } from './canonical.js';
import type { CurrentReference } from './current-reference.js';
import { deviceMayUse } from './auth/devices.js';
import type { Caller } from './auth/guard.js';
import { userMayReview } from './auth/users.js';
import { badRequest, forbidden, HttpError, notFound } from './errors.js';
import { flagsOf, type FlagSettings } from './flags.js';
import type { Reference } from './reference.js';
import type { DeviceRecord, UserRecord } from './storage/accounts.js';
import type { Repository, RepositoryTx, StoredSubmission } from './storage/repository.js';

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

/** A PUT of an id already held: the same content is a resend, anything else a conflict. */
function answerResend(stored: StoredSubmission, hash: string): Accepted {
  if (stored.contentHash === hash) return { status: 200, receipt: stored.receipt };
  throw new HttpError(409, {
    error: 'conflict',
    message: `Submission ${stored.receipt.id} was already received (seq ${stored.receipt.seq}) with different content. A submission cannot be changed once sent; save the changes as a new submission.`,
  });
}

/**
 * Checks the answers against the version named, as first published, with
 * the choice lists of the current revision: the lists every device now
 * holds, and every server checks with.
 */
async function checkForm(
  tx: RepositoryTx,
  references: CurrentReference,
  reference: Reference,
  payload: SubmissionPayload,
): Promise<FormDef> {
  const { formId, formVersion } = payload;
  const form = reference.form(formId, formVersion) ?? (await references.published(tx, formId, formVersion));
  if (!form) {
    const known = await references.versions(tx, formId);
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
  return form;
}

async function checkPhotos(tx: RepositoryTx, payload: SubmissionPayload): Promise<void> {
  const missing: string[] = [];
  const mismatched: FieldProblem[] = [];
  for (const [i, ref] of payload.photos.entries()) {
    const held = await tx.getPhoto(ref.sha256);
    if (!held) missing.push(ref.sha256);
    else if (held.bytes !== ref.bytes || held.type !== ref.type) {
      mismatched.push({
        field: `photos[${i}]`,
        message: `The server holds photo ${ref.sha256.slice(0, 12)}… as ${held.bytes} bytes of ${held.type}, not ${ref.bytes} bytes of ${ref.type}.`,
      });
    }
  }
  if (missing.length > 0) {
    throw new HttpError(409, {
      error: 'missing_photos',
      message: `Upload ${missing.length === 1 ? 'this photo' : `these ${missing.length} photos`} first, then send the submission again.`,
      missing,
    });
  }
  if (mismatched.length > 0) throw validationFailed(mismatched);
}

/**
 * Decides what a PUT of a submission does: a resend is answered from what
 * is stored, whatever else; a new submission must be of a form the device
 * may use (403), and is checked against its form (any version any server
 * ever published, withdrawn ones included), its answers and its photos,
 * then inserted with the device as its sender. Everything sees, and
 * stores, the canonical form of the payload. Runs as one transaction.
 *
 * The checks run first, and the insert, insert-if-absent,
 * finds a resend: a new submission then costs the database one statement.
 * A check that fails asks the store before answering, so a resend is still
 * answered from what is stored, whatever changed since it arrived (a
 * withdrawn photo reference, a shorter list, the device's forms). Should
 * another server store the same id meanwhile, the insert finds its row,
 * answered as a resend.
 */
export async function acceptSubmission(
  repo: Repository,
  references: CurrentReference,
  received: SubmissionPayload,
  device: DeviceRecord,
  flagSettings: FlagSettings,
): Promise<Accepted> {
  const { payload, hash } = canonicalSubmission(received);
  const sentBy = { deviceId: device.id, deviceName: device.name };
  // Before the transaction, which must not wait for another request's read of a new revision.
  const reference = await references.current();
  const accepted = await repo.withTransaction(async (tx): Promise<Accepted> => {
    let form: FormDef;
    try {
      if (!deviceMayUse(device, payload.formId))
        throw forbidden(
          `This device may not send form "${payload.formId}": it stays on the device. Ask an administrator to enroll the device for this form.`,
        );
      if (payload.correctionOf === payload.id)
        throw badRequest(
          'A submission cannot be a correction of itself: correctionOf names another.',
          'correctionOf',
        );
      form = await checkForm(tx, references, reference, payload);
      await checkPhotos(tx, payload);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const existing = await tx.getSubmission(payload.id);
      if (existing) return answerResend(existing, hash);
      throw err;
    }
    const receivedAt = new Date().toISOString();
    const { inserted, stored } = await tx.insertSubmission({
      payload,
      contentHash: hash,
      receivedAt,
      sentBy,
      flags: await flagsOf(tx, flagSettings, reference, payload, form, receivedAt),
    });
    return inserted ? { status: 201, receipt: stored.receipt } : answerResend(stored, hash);
  });
  // Committed: reviewers' live streams, on every server, read it now.
  if (accepted.status === 201) repo.changes.announce('submission');
  return accepted;
}

export function toServerSubmission(stored: StoredSubmission): ServerSubmission {
  return { ...stored.payload, receipt: stored.receipt, sentBy: stored.sentBy };
}

/** Whether the caller may read the submission: the device that sent it, a supervisor of its form, an administrator. */
function mayRead(caller: Pick<Caller, 'device' | 'user'>, stored: StoredSubmission): boolean {
  const sender = stored.sentBy?.deviceId;
  if (caller.device && sender !== undefined && sender === caller.device.id) return true;
  return caller.user !== null && userMayReview(caller.user, stored.payload.formId);
}

/**
 * The stored submission with this id, or 404; also 404 when the caller may
 * not read it, so that another device cannot learn which ids exist.
 */
export async function findSubmission(
  repo: Repository,
  id: string,
  caller: Pick<Caller, 'device' | 'user'>,
): Promise<ServerSubmission> {
  const stored = await repo.getSubmission(id);
  if (!stored || !mayRead(caller, stored)) throw notFound(`The server has no submission ${id}.`);
  return toServerSubmission(stored);
}

/**
 * Up to limit submissions below seq before (from the newest when null),
 * newest first, of the forms the user reviews.
 */
export async function listSubmissions(
  repo: Repository,
  user: UserRecord,
  before: number | null,
  limit: number,
): Promise<{ items: ServerSubmission[]; nextBefore: number | null }> {
  const page = await repo.listSubmissions(before, limit, user.role === 'admin' ? null : user.formIds);
  return { items: page.items.map(toServerSubmission), nextBefore: page.nextBefore };
}
