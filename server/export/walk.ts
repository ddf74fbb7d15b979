/**
 * The review table's filtered set as an export reads it: the listing's own
 * query (readReviewQuery, listForReview), a keyset page at a time, as it
 * stood when the export began. Nothing here holds more than one page.
 */
import type { FormDef } from '../../shared/forms.js';
import type { ReviewState } from '../../shared/review.js';
import type { CurrentReference } from '../current-reference.js';
import { badRequest } from '../errors.js';
import { readReviewQuery, type ReviewQueryString } from '../review-query.js';
import type { LabelCodes } from '../label-search.js';
import { reviewQueryString } from '../review-schemas.js';
import type { UserRecord } from '../storage/accounts.js';
import type { Repository, StoredSubmission } from '../storage/repository.js';
import type { ReviewCursor, ReviewQuery } from '../storage/review-listing.js';

/** Rows read at a time: the listing's largest page. */
export const EXPORT_PAGE = 500;

/** The listing's filter parameters; an export is the whole set, so no cursor and no limit. */
export type ExportQueryString = Omit<ReviewQueryString, 'cursor' | 'limit'>;

export const exportQueryString = {
  ...reviewQueryString,
  properties: Object.fromEntries(
    Object.entries(reviewQueryString.properties).filter(([name]) => name !== 'cursor' && name !== 'limit'),
  ),
};

/** The listing's query for these parameters and this reviewer; 400 without a form when one is needed. */
export function readExportQuery(
  user: UserRecord,
  qs: ExportQueryString,
  formNeeded: boolean,
  labels: LabelCodes,
): ReviewQuery {
  if (formNeeded && !qs.form)
    throw badRequest(
      'Choose a form (the query parameter "form"): the columns of this export are the questions of one form.',
      'form',
    );
  return readReviewQuery(user, qs, labels);
}

/** One exported submission. */
export interface ExportItem {
  submission: StoredSubmission;
  reviewState: ReviewState;
  /** The comment of its latest event that has one; null when none has (or when not asked for). */
  lastComment: string | null;
}

/** A keyset position just above seq: a walk by received time from there lists seq and below. */
const above = (seq: number): ReviewCursor => ({ seq: seq + 1, capturedAt: null });

/**
 * The highest seq of the filtered set now; null when it is empty. An export
 * lists nothing above it, so submissions received while it streams (which a
 * walk by capture time would otherwise meet part-way) are left out whole.
 */
export async function snapshotSeq(repo: Repository, query: ReviewQuery): Promise<number | null> {
  const { items } = await repo.listForReview({ ...query, sort: 'received', after: null, limit: 1 });
  return items[0]?.submission.receipt.seq ?? null;
}

export interface WalkOptions {
  pageSize: number;
  /** Fetch each row's last review comment (one more query a page). */
  comments: boolean;
}

/** The filtered set up to the snapshot, in the query's order, a page at a time. */
export async function* walkPages(
  repo: Repository,
  query: ReviewQuery,
  snapshot: number | null,
  opts: WalkOptions,
): AsyncGenerator<ExportItem[]> {
  if (snapshot === null) return;
  let after = query.sort === 'received' ? above(snapshot) : null;
  for (;;) {
    const page = await repo.listForReview({ ...query, after, limit: opts.pageSize });
    const items = page.items.filter((i) => i.submission.receipt.seq <= snapshot);
    const comments = new Map<string, string>();
    if (opts.comments && items.length > 0) {
      const events = await repo.latestComments(items.map((i) => i.submission.receipt.id));
      for (const e of events) if (e.comment !== null) comments.set(e.submissionId, e.comment);
    }
    yield items.map((i) => ({ ...i, lastComment: comments.get(i.submission.receipt.id) ?? null }));
    if (!page.next) return;
    after = page.next;
  }
}

/** What one form's export is made of: its snapshot, and the versions whose questions are its columns. */
export interface FormExportPlan {
  snapshot: number | null;
  /** The versions of the form in the filtered set, newest first; the newest published when none is. */
  forms: FormDef[];
}

/**
 * Finds which versions of the form the filtered set holds (one keyset read
 * of a row per version), so the header can name every question before the
 * first row is written. An empty set still gets the columns of the newest
 * version, but only for a reviewer of the form.
 */
export async function planFormExport(
  repo: Repository,
  reference: CurrentReference,
  query: ReviewQuery,
): Promise<FormExportPlan> {
  const formId = query.formId;
  if (formId === null) throw new Error('A form export needs a form.');
  const snapshot = await snapshotSeq(repo, query);
  const published = await reference.versions(repo, formId);
  const versions = query.formVersion === null ? published : published.filter((v) => v === query.formVersion);
  const present: number[] = [];
  // With rows and a single version to choose from, every row is of it: nothing to look up.
  if (snapshot !== null && versions.length === 1) present.push(...versions);
  else if (snapshot !== null) {
    for (const v of versions) {
      const one = { ...query, formVersion: v, sort: 'received' as const, after: above(snapshot), limit: 1 };
      if ((await repo.listForReview(one)).items.length > 0) present.push(v);
    }
  }
  const reviews = query.scope === null || query.scope.includes(formId);
  const newest = versions.length > 0 && reviews ? [Math.max(...versions)] : [];
  const chosen = (present.length > 0 ? present : newest).sort((a, b) => b - a);
  const forms: FormDef[] = [];
  for (const v of chosen) {
    const form = await reference.published(repo, formId, v);
    if (form) forms.push(form);
  }
  return { snapshot, forms };
}
