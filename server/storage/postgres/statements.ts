import { accountOperations } from '../account-operations.js';
import { outboxReportOperations, type OutboxReportsDialect } from '../outbox-reports.js';
import { reviewOperations, type ReviewDialect } from '../review-operations.js';
import type { PhotoRecord, RepositoryTx, StoredSubmission } from '../repository.js';
import {
  CURRENT_REFERENCE_HEAD,
  held,
  IMPORTED_COLUMNS,
  importedValues,
  NEW_SUBMISSION_COLUMNS,
  newSubmissionRow,
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
 * The row and its photo links in one statement, so it is all or nothing
 * without a savepoint. seq comes from take_submission_seq() (migration
 * 0002), in flight until this transaction ends. A resend of an id already
 * committed takes no number; one racing an insert of the same id still
 * does, leaving a gap, which is allowed; reusing a number is not.
 */
const INSERT_SUBMISSION = `
  WITH inserted AS (
    INSERT INTO submissions (seq, ${NEW_SUBMISSION_COLUMNS})
    SELECT take_submission_seq(), $1, $2, $3::integer, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
    WHERE NOT EXISTS (SELECT 1 FROM submissions WHERE id = $1)
    ON CONFLICT (id) DO NOTHING RETURNING seq
  ), linked AS (
    INSERT INTO submission_photos (submission_seq, sha256) SELECT seq, unnest($14::text[]) FROM inserted
    ON CONFLICT DO NOTHING
  )
  SELECT seq FROM inserted`;

/**
 * Any number, the same in every server and other than the migration lock's:
 * pg_advisory_xact_lock on it queues publishers until their transaction
 * ends. Advisory, so it needs no privilege beyond connecting, and it
 * never holds back a reader.
 */
const REFERENCE_LOCK = 7_384_201_556;

/** Queues appenders of review events, as REFERENCE_LOCK does publishers: ids then commit in order. */
const REVIEW_LOCK = 7_384_201_557;

/** Queues writers of outbox reports, so report versions commit in order. */
const OUTBOX_REPORT_LOCK = 7_384_201_558;

const POSTGRES_REVIEWS: ReviewDialect = {
  async lock(session) {
    await session.query('SELECT pg_advisory_xact_lock($1)', [REVIEW_LOCK]);
  },
  async ceiling(session) {
    const [row] = await session.query<{ horizon: string }>('SELECT submission_listing_horizon() AS horizon');
    // Without an answer, nothing is listed rather than too much.
    return Number(row?.horizon ?? 0);
  },
  inList: (column, param) => `${column} = ANY(${param}::text[])`,
  bindList: (list) => list,
  location: "s.payload::jsonb -> 'location'",
  answersMatch: (param, codes) =>
    codes === null
      ? `EXISTS (SELECT 1 FROM jsonb_each_text(s.payload::jsonb -> 'answers') a WHERE a.value ILIKE ${param})`
      : // ?| holds for a string that is one of the codes, and for a list holding one.
        `EXISTS (SELECT 1 FROM jsonb_each(s.payload::jsonb -> 'answers') a
           WHERE a.value #>> '{}' ILIKE ${param} OR a.value ?| ${codes}::text[])`,
  async afterImport(session) {
    await session.query(
      "SELECT setval(pg_get_serial_sequence('review_events', 'id'), (SELECT max(id) FROM review_events))",
    );
  },
};

const POSTGRES_OUTBOX_REPORTS: OutboxReportsDialect = {
  async lock(session) {
    await session.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_REPORT_LOCK]);
  },
  ceiling: POSTGRES_REVIEWS.ceiling,
};

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

    async insertSubmission(submission) {
      const { payload, contentHash, receivedAt, sentBy } = submission;
      const [row] = await session.query<{ seq: string }>(INSERT_SUBMISSION, [
        ...newSubmissionRow(submission),
        payload.photos.map((p) => p.sha256),
      ]);
      if (!row)
        return { inserted: false, stored: held(await getSubmission(payload.id), `Submission ${payload.id}`) };
      return {
        inserted: true,
        stored: {
          receipt: { id: payload.id, receivedAt, seq: Number(row.seq) },
          contentHash,
          payload,
          sentBy,
        },
      };
    },

    /**
     * Below the horizon only (migration 0003), read first in a statement of
     * its own: every seq below it is committed or never will be, so a
     * lower seq never turns up after a higher one was listed.
     */
    async listSubmissions(before, limit, formIds = null) {
      const [row] = await session.query<{ horizon: string }>(
        'SELECT submission_listing_horizon() AS horizon',
      );
      // Without an answer, nothing is listed rather than too much.
      const horizon = Number(row?.horizon ?? 0);
      const rows = await session.query<SubmissionRow>(
        `${SELECT_SUBMISSIONS} WHERE s.seq < $1 AND ($2::text[] IS NULL OR s.form_id = ANY($2::text[]))
         ORDER BY s.seq DESC LIMIT $3`,
        [before === null ? horizon : Math.min(before, horizon), formIds, limit + 1],
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
    ...reviewOperations(session, POSTGRES_REVIEWS),
    ...outboxReportOperations(session, POSTGRES_OUTBOX_REPORTS),
  };
}

// Moving records from one repository to another.

/**
 * Any conflict, on the id or on the seq, inserts nothing. The row, its
 * photo links and the sequence moved past its seq (so later submissions
 * number above it), in one statement: all or nothing. setval is not undone
 * by a rollback, which only leaves a gap; imports run with no server on the
 * database, so nothing takes a number meanwhile.
 */
const IMPORT_SUBMISSION = `
  WITH inserted AS (
    INSERT INTO submissions (${IMPORTED_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING RETURNING seq
  ), linked AS (
    INSERT INTO submission_photos (submission_seq, sha256) SELECT seq, unnest($15::text[]) FROM inserted
    ON CONFLICT DO NOTHING
  ), advanced AS (
    SELECT setval('submission_seq',
      GREATEST(seq, (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM submission_seq))) AS at
    FROM inserted
  )
  SELECT inserted.seq FROM inserted CROSS JOIN advanced`;

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

    async importSubmission(submission) {
      const { receipt, payload } = submission;
      const values = [...importedValues(submission), payload.photos.map((p) => p.sha256)];
      const rows = await session.query(IMPORT_SUBMISSION, values);
      if (rows.length === 1) return { inserted: true, stored: submission };
      const stored = await postgresOperations(session).getSubmission(receipt.id);
      if (!stored)
        throw new Error(`Submission ${receipt.id} cannot take seq ${receipt.seq}: another holds it.`);
      return { inserted: false, stored };
    },
  };
}
