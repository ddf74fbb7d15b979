/**
 * The review flags of submissions (shared/review-flags.ts): worked out as
 * each arrives, with the limits the server is configured with then, and at
 * start-up for those stored without (received before this version, or
 * imported).
 */
import type { FormDef } from '../shared/forms.js';
import { DEFAULT_STALE_AFTER_HOURS, reviewFlags, type ReviewFlag } from '../shared/review-flags.js';
import type { SubmissionPayload } from '../shared/submission.js';
import type { CurrentReference } from './current-reference.js';
import type { Reference } from './reference.js';
import type { Repository, RepositoryTx } from './storage/repository.js';

/** The limits an operator sets (server/config.ts); staleness comes from the reference data. */
export interface FlagSettings {
  photoFarMetres: number;
  lateAfterHours: number;
}

/** Submissions worked out at a time at start-up. */
const BACKFILL_BATCH = 500;

/** The flags of a submission about to be stored, which the device captured with the forms and lists it names. */
export async function flagsOf(
  tx: RepositoryTx,
  settings: FlagSettings,
  reference: Reference,
  payload: SubmissionPayload,
  form: FormDef | undefined,
  receivedAt: string,
): Promise<ReviewFlag[]> {
  const version = payload.referenceVersion;
  // Most devices send with the current data, which nothing has replaced: no look-up.
  const replacedAt =
    version === null || version === reference.etag ? null : await tx.referenceReplacedAt(version);
  const staleAfterHours = reference.data.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS;
  return reviewFlags(
    payload,
    { form, receivedAt, referenceReplacedAt: replacedAt },
    {
      ...settings,
      staleAfterHours,
    },
  );
}

/** Works out the flags of every submission stored without; answers how many. */
export async function backfillFlags(
  repo: Repository,
  references: CurrentReference,
  settings: FlagSettings,
  stopped: () => boolean = () => false,
): Promise<number> {
  let done = 0;
  while (!stopped()) {
    const batch = await repo.submissionsWithoutFlags(BACKFILL_BATCH);
    if (batch.length === 0) return done;
    const reference = await references.current();
    await repo.withTransaction(async (tx) => {
      for (const s of batch) {
        const { formId, formVersion } = s.payload;
        const form =
          reference.form(formId, formVersion) ?? (await references.published(tx, formId, formVersion));
        const flags = await flagsOf(tx, settings, reference, s.payload, form, s.receipt.receivedAt);
        await tx.setFlags(s.receipt.id, flags);
      }
    });
    done += batch.length;
  }
  return done;
}
