import { canonicalJson } from '../../shared/canonical.js';
import type { ReviewEvent } from '../../shared/review.js';
import type {
  PhotoRecord,
  PublishedForm,
  ReferenceRevision,
  StoredSubmission,
} from '../storage/repository.js';

/** The fields in which two photo records differ; none when they are the same. */
export function photoDifferences(a: PhotoRecord, b: PhotoRecord): string[] {
  return [
    a.bytes !== b.bytes && 'bytes',
    a.type !== b.type && 'type',
    a.createdAt !== b.createdAt && 'createdAt',
  ].filter((f) => f !== false);
}

/** The fields in which two published form versions differ; none when they are the same. */
export function formDifferences(a: PublishedForm, b: PublishedForm): string[] {
  return [
    a.definition !== b.definition && 'definition',
    a.publishedAt !== b.publishedAt && 'publishedAt',
  ].filter((f) => f !== false);
}

/** The fields in which two revisions of the reference data differ; none when they are the same. */
export function revisionDifferences(a: ReferenceRevision, b: ReferenceRevision): string[] {
  return [
    a.etag !== b.etag && 'etag',
    a.body !== b.body && 'body',
    a.publishedAt !== b.publishedAt && 'publishedAt',
    a.publishedBy !== b.publishedBy && 'publishedBy',
  ].filter((f) => f !== false);
}

/** The fields in which two stored submissions differ (receipt, hash, payload); none when they are the same. */
export function submissionDifferences(a: StoredSubmission, b: StoredSubmission): string[] {
  return [
    a.receipt.id !== b.receipt.id && 'id',
    a.receipt.seq !== b.receipt.seq && 'seq',
    a.receipt.receivedAt !== b.receipt.receivedAt && 'receivedAt',
    a.contentHash !== b.contentHash && 'contentHash',
    canonicalJson(a.payload) !== canonicalJson(b.payload) && 'payload',
  ].filter((f) => f !== false);
}

/** How a photo is named in messages. */
export const photoName = (p: PhotoRecord): string => `photo ${p.sha256}`;
/** How a form version is named in messages. */
export const formName = (f: PublishedForm): string => `form "${f.formId}" version ${f.version}`;
/** How a revision of the reference data is named in messages. */
export const revisionName = (r: ReferenceRevision): string => `reference data revision ${r.revision}`;
/** How a submission is named in messages. */
export const submissionName = (s: StoredSubmission): string =>
  `submission ${s.receipt.id} (seq ${s.receipt.seq})`;

export function reviewEventName(e: ReviewEvent): string {
  return `review event ${e.id} of submission ${e.submissionId}`;
}

/** The fields in which two review events differ; none when they are the same. */
export function reviewEventDifferences(a: ReviewEvent, b: ReviewEvent): string[] {
  return [
    a.submissionId !== b.submissionId && 'submissionId',
    a.at !== b.at && 'at',
    (a.by.userId !== b.by.userId || a.by.username !== b.by.username) && 'by',
    a.from !== b.from && 'from',
    a.to !== b.to && 'to',
    a.comment !== b.comment && 'comment',
  ].filter((f) => f !== false);
}
