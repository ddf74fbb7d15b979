import { canonicalPayload } from '../../shared/canonical.js';
import type { PhotoType, SubmissionPayload } from '../../shared/submission.js';
import type {
  NewSubmission,
  PhotoRecord,
  PublishedForm,
  ReferenceHead,
  ReferenceRevision,
  StoredSubmission,
  StoredSubmissionPage,
} from './repository.js';

// The rows both dialects store, as their drivers hand them back, and what the repository makes of them.

export interface PhotoRow {
  sha256: string;
  // pg answers BIGINT as a string, not guessing at precision; better-sqlite3 as a number.
  bytes: number | string;
  type: PhotoType;
  created_at: string;
}

export interface SubmissionRow {
  seq: number | string;
  id: string;
  received_at: string;
  content_hash: string;
  payload: string;
  sent_by: string | null;
  sent_by_name: string | null;
}

export interface PublishedFormRow {
  form_id: string;
  version: number;
  definition: string;
  published_at: string;
}

export interface ReferenceHeadRow {
  revision: number;
  etag: string;
}

export interface ReferenceRevisionRow extends ReferenceHeadRow {
  body: string;
  published_at: string;
  published_by: string;
}

/**
 * The columns of a stored submission with the name of the device that sent
 * it: `${SELECT_SUBMISSIONS} WHERE s.id = …`.
 */
export const SELECT_SUBMISSIONS = `SELECT s.seq, s.id, s.received_at, s.content_hash, s.payload, s.sent_by, d.name AS sent_by_name
  FROM submissions s LEFT JOIN devices d ON d.id = s.sent_by`;

export const SUBMISSION_COLUMNS = 'seq, id, received_at, content_hash, payload';

/** What both dialects' inserts of a submission name, in this order; seq is theirs to give. */
export const NEW_SUBMISSION_COLUMNS =
  'id, form_id, form_version, device_id, created_at, received_at, content_hash, payload, reference_version, sent_by, captured_at, correction_of, flags';

export type NewSubmissionRow = [
  string,
  string,
  number,
  string,
  string,
  string,
  string,
  string,
  string | null,
  string | null,
  string,
  string | null,
  string | null,
];

/** The values of NEW_SUBMISSION_COLUMNS for a submission. */
export function newSubmissionRow({
  payload,
  contentHash,
  receivedAt,
  sentBy,
  flags,
}: NewSubmission): NewSubmissionRow {
  return [
    payload.id,
    payload.formId,
    payload.formVersion,
    payload.deviceId,
    payload.createdAt,
    receivedAt,
    contentHash,
    JSON.stringify(payload),
    payload.referenceVersion ?? null,
    sentBy?.deviceId ?? null,
    // createdAt in UTC, so that text order is time order whatever offset the device used.
    new Date(payload.createdAt).toISOString(),
    payload.correctionOf ?? null,
    // Null: not worked out yet (an imported row), which the server does at start-up.
    flags ? JSON.stringify(flags) : null,
  ];
}
export const PUBLISHED_COLUMNS = 'form_id, version, definition, published_at';
export const REVISION_COLUMNS = 'revision, etag, body, published_at, published_by';
/** The current revision's number and ETag: the last entry of the primary key's index. */
export const CURRENT_REFERENCE_HEAD =
  'SELECT revision, etag FROM reference_revisions ORDER BY revision DESC LIMIT 1';

export function toPhoto(row: PhotoRow): PhotoRecord {
  return { sha256: row.sha256, bytes: Number(row.bytes), type: row.type, createdAt: row.created_at };
}

export function toSubmission(row: SubmissionRow): StoredSubmission {
  const payload = JSON.parse(row.payload) as SubmissionPayload;
  return {
    receipt: { id: row.id, receivedAt: row.received_at, seq: Number(row.seq) },
    contentHash: row.content_hash,
    // Rows stored before the canonical form hold the payload as it was received.
    payload: canonicalPayload(payload),
    sentBy: row.sent_by === null ? null : { deviceId: row.sent_by, deviceName: row.sent_by_name ?? '' },
  };
}

export function toPublished(row: PublishedFormRow): PublishedForm {
  return {
    formId: row.form_id,
    version: row.version,
    definition: row.definition,
    publishedAt: row.published_at,
  };
}

export function toReferenceHead(row: ReferenceHeadRow): ReferenceHead {
  return { revision: Number(row.revision), etag: row.etag };
}

export function toReferenceRevision(row: ReferenceRevisionRow): ReferenceRevision {
  return {
    ...toReferenceHead(row),
    body: row.body,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
  };
}

/** A page from up to limit + 1 rows newest first: the extra row tells whether an older page exists. */
export function toPage(rows: SubmissionRow[], limit: number): StoredSubmissionPage {
  const items = rows.slice(0, limit).map(toSubmission);
  const last = items[items.length - 1];
  return { items, nextBefore: rows.length > limit && last ? last.receipt.seq : null };
}

/** The row under the key, which an insert that changed nothing has just met. */
export function held<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`${what} was neither inserted nor found.`);
  return row;
}

/** The columns an imported submission fills, in the order of importedValues: its seq, then a new one's. */
export const IMPORTED_COLUMNS = `seq, ${NEW_SUBMISSION_COLUMNS}`;

export type ImportedValues = [number, ...NewSubmissionRow];

/** The values of an imported submission's row, in the order of IMPORTED_COLUMNS. */
export function importedValues({ receipt, contentHash, payload, sentBy }: StoredSubmission): ImportedValues {
  return [receipt.seq, ...newSubmissionRow({ payload, contentHash, receivedAt: receipt.receivedAt, sentBy })];
}
