import { accountOperations } from '../account-operations.js';
import type { PhotoRecord, RepositoryTx, StoredSubmission } from '../repository.js';
import {
  CURRENT_REFERENCE_HEAD,
  held,
  IMPORTED_COLUMNS,
  importedValues,
  PUBLISHED_COLUMNS,
  REVISION_COLUMNS,
  SELECT_SUBMISSIONS,
  toPage,
  toPhoto,
  toPublished,
  toReferenceHead,
  toReferenceRevision,
  toSubmission,
  type PhotoRow,
  type PublishedFormRow,
  type ReferenceHeadRow,
  type ReferenceRevisionRow,
  type SubmissionRow,
} from '../rows.js';
import type { Session } from '../session.js';

export type { Session };

/**
 * seq is taken from the counter row in the same statement: the row lock
 * holds later inserters until this transaction ends, so seq order is commit
 * order. An id already held still takes a number, leaving a gap, which is
 * allowed; reusing one is not.
 */
const INSERT_SUBMISSION = `
  WITH next AS (UPDATE counters SET value = value + 1 WHERE name = 'submission_seq' RETURNING value)
  INSERT INTO submissions (seq, id, form_id, form_version, device_id, created_at, received_at, content_hash, payload, reference_version, sent_by)
  SELECT value, $1, $2, $3::integer, $4, $5, $6, $7, $8, $9, $10 FROM next
  ON CONFLICT (id) DO NOTHING RETURNING seq`;

/**
 * Any number, the same in every server and other than the migration lock's:
 * pg_advisory_xact_lock on it queues publishers until their transaction
 * ends. Advisory, so it needs no privilege beyond connecting, and it
 * never holds back a reader.
 */
const REFERENCE_LOCK = 7_384_201_556;

/**
 * The repository's operations on a session. The inserts are
 * insert-if-absent: ON CONFLICT DO NOTHING waits for a transaction
 * inserting the same key to end, and the SELECT after it, a new snapshot
 * under READ COMMITTED, then reads the row it committed.
 */
export function postgresOperations(session: Session): RepositoryTx {
  const getPhoto = async (sha256: string): Promise<PhotoRecord | undefined> => {
    const [row] = await session.query<PhotoRow>(
      'SELECT sha256, bytes, type, created_at FROM photos WHERE sha256 = $1',
      [sha256],
    );
    return row && toPhoto(row);
  };
  const getPublishedForm = async (formId: string, version: number) => {
    const [row] = await session.query<PublishedFormRow>(
      `SELECT ${PUBLISHED_COLUMNS} FROM published_forms WHERE form_id = $1 AND version = $2`,
      [formId, version],
    );
    return row && toPublished(row);
  };
  const getReferenceRevision = async (revision: number) => {
    const [row] = await session.query<ReferenceRevisionRow>(
      `SELECT ${REVISION_COLUMNS} FROM reference_revisions WHERE revision = $1`,
      [revision],
    );
    return row && toReferenceRevision(row);
  };
  const getSubmission = async (id: string): Promise<StoredSubmission | undefined> => {
    const [row] = await session.query<SubmissionRow>(`${SELECT_SUBMISSIONS} WHERE s.id = $1`, [id]);
    return row && toSubmission(row);
  };

  return {
    getPhoto,
    getSubmission,
    getPublishedForm,
    getReferenceRevision,

    async insertPhoto(photo) {
      const rows = await session.query(
        `INSERT INTO photos (sha256, bytes, type, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
        [photo.sha256, photo.bytes, photo.type, photo.createdAt],
      );
      if (rows.length === 1) return { inserted: true, stored: photo };
      return { inserted: false, stored: held(await getPhoto(photo.sha256), `Photo ${photo.sha256}`) };
    },

    insertSubmission: ({ payload, contentHash, receivedAt, sentBy }) =>
      session.atomic(async (s) => {
        const [row] = await s.query<{ seq: string }>(INSERT_SUBMISSION, [
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
        ]);
        if (!row) {
          const stored = held(
            await postgresOperations(s).getSubmission(payload.id),
            `Submission ${payload.id}`,
          );
          return { inserted: false, stored };
        }
        const seq = Number(row.seq);
        await s.query(
          `INSERT INTO submission_photos (submission_seq, sha256) SELECT $1, unnest($2::text[])
           ON CONFLICT DO NOTHING`,
          [seq, payload.photos.map((p) => p.sha256)],
        );
        return {
          inserted: true,
          stored: { receipt: { id: payload.id, receivedAt, seq }, contentHash, payload, sentBy },
        };
      }),

    async listSubmissions(before, limit, formIds = null) {
      // seq is never above 2^53, so "below the largest safe integer" is "from the newest".
      const rows = await session.query<SubmissionRow>(
        `${SELECT_SUBMISSIONS} WHERE s.seq < $1 AND ($2::text[] IS NULL OR s.form_id = ANY($2::text[]))
         ORDER BY s.seq DESC LIMIT $3`,
        [before ?? Number.MAX_SAFE_INTEGER, formIds, limit + 1],
      );
      return toPage(rows, limit);
    },

    async photoOnForms(sha256, formIds) {
      const rows = await session.query(
        `SELECT 1 AS found FROM submission_photos p JOIN submissions s ON s.seq = p.submission_seq
         WHERE p.sha256 = $1 AND s.form_id = ANY($2::text[]) LIMIT 1`,
        [sha256, formIds],
      );
      return rows.length > 0;
    },

    async listPublishedForms() {
      const rows = await session.query<PublishedFormRow>(
        `SELECT ${PUBLISHED_COLUMNS} FROM published_forms ORDER BY form_id, version`,
      );
      return rows.map(toPublished);
    },

    async insertPublishedForm(form) {
      const rows = await session.query(
        `INSERT INTO published_forms (${PUBLISHED_COLUMNS}) VALUES ($1, $2, $3, $4)
         ON CONFLICT (form_id, version) DO NOTHING RETURNING form_id`,
        [form.formId, form.version, form.definition, form.publishedAt],
      );
      if (rows.length === 1) return { inserted: true, stored: form };
      const stored = held(
        await getPublishedForm(form.formId, form.version),
        `Form ${form.formId}@${form.version}`,
      );
      return { inserted: false, stored };
    },

    async lockReferenceRevisions() {
      await session.query('SELECT pg_advisory_xact_lock($1)', [REFERENCE_LOCK]);
    },

    async currentReferenceHead() {
      const [row] = await session.query<ReferenceHeadRow>(CURRENT_REFERENCE_HEAD);
      return row && toReferenceHead(row);
    },

    async insertReferenceRevision(r) {
      const rows = await session.query(
        `INSERT INTO reference_revisions (${REVISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (revision) DO NOTHING RETURNING revision`,
        [r.revision, r.etag, r.body, r.publishedAt, r.publishedBy],
      );
      if (rows.length === 1) return { inserted: true, stored: r };
      return {
        inserted: false,
        stored: held(await getReferenceRevision(r.revision), `Reference revision ${r.revision}`),
      };
    },

    ...moveOperations(session),
    ...accountOperations(session),
  };
}

// Moving records from one repository to another.

/** Any conflict, on the id or on the seq, inserts nothing. */
const IMPORT_SUBMISSION = `
  INSERT INTO submissions (${IMPORTED_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING seq`;

/** Hands later submissions a seq above the one imported. */
const COUNTER_PAST = `UPDATE counters SET value = GREATEST(value, $1) WHERE name = 'submission_seq'`;

function moveOperations(session: Session): Pick<RepositoryTx, 'listPhotos' | 'importSubmission'> {
  return {
    async listPhotos(after, limit) {
      // Lower-case hex: every collation orders it as SQLite does, byte by byte.
      const rows =
        after === null
          ? await session.query<PhotoRow>(
              'SELECT sha256, bytes, type, created_at FROM photos ORDER BY sha256 LIMIT $1',
              [limit],
            )
          : await session.query<PhotoRow>(
              'SELECT sha256, bytes, type, created_at FROM photos WHERE sha256 > $1 ORDER BY sha256 LIMIT $2',
              [after, limit],
            );
      return rows.map(toPhoto);
    },

    importSubmission: (submission) =>
      session.atomic(async (s) => {
        const { receipt, payload } = submission;
        const rows = await s.query(IMPORT_SUBMISSION, importedValues(submission));
        if (rows.length === 0) {
          const stored = await postgresOperations(s).getSubmission(receipt.id);
          if (!stored)
            throw new Error(`Submission ${receipt.id} cannot take seq ${receipt.seq}: another holds it.`);
          return { inserted: false, stored };
        }
        await s.query(
          `INSERT INTO submission_photos (submission_seq, sha256) SELECT $1, unnest($2::text[])
           ON CONFLICT DO NOTHING`,
          [receipt.seq, payload.photos.map((p) => p.sha256)],
        );
        await s.query(COUNTER_PAST, [receipt.seq]);
        return { inserted: true, stored: submission };
      }),
  };
}
