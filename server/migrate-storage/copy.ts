import type { Readable } from 'node:stream';
import type { PhotoRecord, StoredSubmission } from '../storage/repository.js';
import type { Stores } from '../storage/stores.js';
import {
  formDifferences,
  formName,
  photoDifferences,
  photoName,
  reviewEventName,
  revisionDifferences,
  revisionName,
  submissionDifferences,
  submissionName,
} from './differences.js';
import { Problems, Progress, type Out } from './progress.js';
import { eachBounded, photoRecords, referenceRevisions, reviewEventPages, submissionPages } from './walk.js';
import { ACCOUNT_TABLES, rowDifferences } from './accounts.js';

/** The target holds a row under a copied key with other content: something else writes to it. */
export class TargetConflict extends Error {
  constructor(name: string, fields: string[]) {
    super(
      `The target now holds ${name} with a different ${fields.join(', ')}. Is a server running on the target?`,
    );
    this.name = 'TargetConflict';
  }
}

/** Rows of one kind: written now, or found already there (an earlier run's). */
export interface CopyTally {
  copied: number;
  present: number;
}

export interface CopyReport {
  photos: CopyTally & { bytesCopied: number };
  forms: CopyTally;
  revisions: CopyTally;
  submissions: CopyTally;
  reviews: CopyTally;
  /** Each table of accounts (accounts.ts), by its label. */
  accounts: Record<string, CopyTally>;
  /** Photos whose bytes the source has lost or holds damaged: not copied. */
  unreadable: Problems;
  /** Submissions not copied because a photo they need is unreadable. */
  skipped: Problems;
}

export interface CopyOptions {
  /** Photos copied at once. */
  concurrency: number;
  out: Out;
  /** Row counts of the source, for the progress lines. */
  totals: { photos: number; submissions: number };
}

/** Where an insert-if-absent left a row: new, or already there the same; anything else stops the copy. */
function tallyInsert<T>(
  tally: CopyTally,
  result: { inserted: boolean; stored: T },
  wanted: T,
  name: (item: T) => string,
  differences: (a: T, b: T) => string[],
): void {
  if (result.inserted) {
    tally.copied++;
    return;
  }
  const fields = differences(wanted, result.stored);
  if (fields.length > 0) throw new TargetConflict(name(wanted), fields);
  tally.present++;
}

/**
 * Copies one photo: its bytes, unless the target's photo store holds them
 * already (an earlier run, killed before the record), then its record. The
 * bytes are committed before the record, as the server does, and checked
 * on the way: the target's store hashes them as they stream in.
 * Answers the bytes written, or a problem when the source's are not the photo.
 */
async function copyPhoto(source: Stores, target: Stores, photo: PhotoRecord): Promise<number | string> {
  let written = 0;
  if (!(await target.photos.exists(photo.sha256))) {
    const bytes: Readable | null = await source.photos.open(photo.sha256);
    if (!bytes) return `${photoName(photo)}: recorded, but the source's photo store has no bytes for it`;
    try {
      const received = await target.photos.receive(bytes, photo.sha256);
      if (received.kind === 'empty') return `${photoName(photo)}: the source's bytes are empty`;
      if (received.kind !== 'received') return `${photoName(photo)}: the source's bytes are not a photo`;
      const { pending } = received;
      if (
        received.sha256 !== photo.sha256 ||
        received.bytes !== photo.bytes ||
        received.type !== photo.type
      ) {
        await pending.discard();
        return `${photoName(photo)}: the source holds ${received.bytes} bytes of ${received.type} hashing to ${received.sha256}, not the recorded ${photo.bytes} bytes of ${photo.type}`;
      }
      await pending.commit();
      written = pending.alreadyStored ? 0 : received.bytes;
    } finally {
      bytes.destroy();
    }
  }
  return written;
}

/**
 * Copies every row of the source into the target: accounts (users,
 * devices, sessions, set-up tokens, sign-in limits), photos (bytes, then
 * record), published form versions, revisions of the reference data, then
 * submissions with their receipts, a page per transaction. Every write is insert-if-absent, so a run that
 * was killed is finished by running again; a row found under a copied key
 * with other content stops the copy with TargetConflict.
 */
export async function copyStores(source: Stores, target: Stores, options: CopyOptions): Promise<CopyReport> {
  const { out, totals } = options;
  const report: CopyReport = {
    photos: { copied: 0, present: 0, bytesCopied: 0 },
    forms: { copied: 0, present: 0 },
    revisions: { copied: 0, present: 0 },
    submissions: { copied: 0, present: 0 },
    reviews: { copied: 0, present: 0 },
    accounts: {},
    unreadable: new Problems(),
    skipped: new Problems(),
  };

  // First: a submission names the device that sent it, a session its user.
  for (const table of ACCOUNT_TABLES) {
    const tally = (report.accounts[table.label] = { copied: 0, present: 0 });
    const rows = await table.list(source.repository);
    await target.repository.withTransaction(async (tx) => {
      for (const row of rows)
        tallyInsert(tally, await table.insert(tx, row), row, table.name, rowDifferences);
    });
    out(`copying ${table.label}: ${rows.length} of ${rows.length}`);
  }
  // Only as many as the source has broken photos: none, or a few.
  const unreadable = new Set<string>();

  const photoProgress = new Progress(out, 'copying photos', totals.photos, 100);
  await eachBounded(photoRecords(source.repository), options.concurrency, async (photo) => {
    const written = await copyPhoto(source, target, photo);
    if (typeof written === 'string') {
      unreadable.add(photo.sha256);
      report.unreadable.add(written);
    } else {
      tallyInsert(
        report.photos,
        await target.repository.insertPhoto(photo),
        photo,
        photoName,
        photoDifferences,
      );
      report.photos.bytesCopied += written;
    }
    photoProgress.advance(1, typeof written === 'number' ? written : 0);
  });
  photoProgress.finish();

  const forms = await source.repository.listPublishedForms();
  await target.repository.withTransaction(async (tx) => {
    for (const form of forms)
      tallyInsert(report.forms, await tx.insertPublishedForm(form), form, formName, formDifferences);
  });
  out(`copying form versions: ${forms.length} of ${forms.length}`);

  // Kept whole: a submission's referenceVersion names the revision its device held.
  for await (const revision of referenceRevisions(source.repository))
    tallyInsert(
      report.revisions,
      await target.repository.insertReferenceRevision(revision),
      revision,
      revisionName,
      revisionDifferences,
    );
  out(`copying reference data revisions: ${report.revisions.copied + report.revisions.present}`);

  const submissionProgress = new Progress(out, 'copying submissions', totals.submissions, 100);
  const needsUnreadable = (s: StoredSubmission): boolean =>
    s.payload.photos.some((p) => unreadable.has(p.sha256));
  for await (const page of submissionPages(source.repository)) {
    const copyable = page.filter((s) => !needsUnreadable(s));
    for (const s of page)
      if (needsUnreadable(s))
        report.skipped.add(`${submissionName(s)}: not copied, a photo it needs is unreadable`);
    await target.repository.withTransaction(async (tx) => {
      for (const s of copyable)
        tallyInsert(
          report.submissions,
          await tx.importSubmission(s),
          s,
          submissionName,
          submissionDifferences,
        );
    });
    submissionProgress.advance(page.length);
  }
  submissionProgress.finish();

  // Oldest first, so each submission's state ends as its last change left it.
  for await (const page of reviewEventPages(source.repository)) {
    await target.repository.withTransaction(async (tx) => {
      for (const event of page) {
        if ((await tx.getReviewState(event.submissionId)) === undefined) {
          report.skipped.add(`${reviewEventName(event)}: not copied, its submission was not`);
          continue;
        }
        if (await tx.importReviewEvent(event)) report.reviews.copied++;
        else report.reviews.present++;
        if (event.to !== null) await tx.setReviewState(event.submissionId, event.to);
      }
    });
  }
  out(`copying review events: ${report.reviews.copied + report.reviews.present}`);
  return report;
}
