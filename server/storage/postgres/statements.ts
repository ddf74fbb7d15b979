import type { PhotoRecord, RepositoryTx, StoredSubmission } from '../repository.js';
import {
  held,
  NEW_SUBMISSION_COLUMNS,
  newSubmissionRow,
  PUBLISHED_COLUMNS,
  SUBMISSION_COLUMNS,
  toPage,
  toPhoto,
  toPublished,
  toSubmission,
  type PhotoRow,
  type PublishedFormRow,
  type SubmissionRow,
} from '../rows.js';

/** Where statements run: a pooled connection, in or out of a transaction. */
export interface Session {
  query<R>(text: string, values?: unknown[]): Promise<R[]>;
}

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
    SELECT take_submission_seq(), $1, $2, $3::integer, $4, $5, $6, $7, $8, $9
    WHERE NOT EXISTS (SELECT 1 FROM submissions WHERE id = $1)
    ON CONFLICT (id) DO NOTHING RETURNING seq
  ), linked AS (
    INSERT INTO submission_photos (submission_seq, sha256) SELECT seq, unnest($10::text[]) FROM inserted
    ON CONFLICT DO NOTHING
  )
  SELECT seq FROM inserted`;

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
  const getSubmission = async (id: string): Promise<StoredSubmission | undefined> => {
    const [row] = await session.query<SubmissionRow>(
      `SELECT ${SUBMISSION_COLUMNS} FROM submissions WHERE id = $1`,
      [id],
    );
    return row && toSubmission(row);
  };

  return {
    getPhoto,
    getSubmission,

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
      const { payload, contentHash, receivedAt } = submission;
      const [row] = await session.query<{ seq: string }>(INSERT_SUBMISSION, [
        ...newSubmissionRow(submission),
        payload.photos.map((p) => p.sha256),
      ]);
      if (!row)
        return { inserted: false, stored: held(await getSubmission(payload.id), `Submission ${payload.id}`) };
      return {
        inserted: true,
        stored: { receipt: { id: payload.id, receivedAt, seq: Number(row.seq) }, contentHash, payload },
      };
    },

    /**
     * Below the horizon only (migration 0002), read first in a statement of
     * its own: every seq below it is committed or never will be, so a
     * lower seq never turns up after a higher one was listed.
     */
    async listSubmissions(before, limit) {
      const [row] = await session.query<{ horizon: string }>(
        'SELECT submission_listing_horizon() AS horizon',
      );
      // Without an answer, nothing is listed rather than too much.
      const horizon = Number(row?.horizon ?? 0);
      const rows = await session.query<SubmissionRow>(
        `SELECT ${SUBMISSION_COLUMNS} FROM submissions WHERE seq < $1 ORDER BY seq DESC LIMIT $2`,
        [before === null ? horizon : Math.min(before, horizon), limit + 1],
      );
      return toPage(rows, limit);
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
      const [row] = await session.query<PublishedFormRow>(
        `SELECT ${PUBLISHED_COLUMNS} FROM published_forms WHERE form_id = $1 AND version = $2`,
        [form.formId, form.version],
      );
      return { inserted: false, stored: toPublished(held(row, `Form ${form.formId}@${form.version}`)) };
    },
  };
}
