import { canonicalPayload } from '../../../shared/canonical.js';
import type { PhotoType, SubmissionPayload } from '../../../shared/submission.js';
import type {
  Inserted,
  NewSubmission,
  PhotoRecord,
  PublishedForm,
  RepositoryTx,
  StoredSubmission,
  StoredSubmissionPage,
} from '../repository.js';
import type { DB } from './database.js';

/** The repository's operations as better-sqlite3 runs them: synchronously. */
export type SyncOperations = {
  [K in keyof RepositoryTx]: (...args: Parameters<RepositoryTx[K]>) => Awaited<ReturnType<RepositoryTx[K]>>;
};

interface PhotoRow {
  sha256: string;
  bytes: number;
  type: PhotoType;
  created_at: string;
}

interface SubmissionRow {
  seq: number;
  id: string;
  received_at: string;
  content_hash: string;
  payload: string;
}

interface PublishedFormRow {
  form_id: string;
  version: number;
  definition: string;
  published_at: string;
}

function toPhoto(row: PhotoRow): PhotoRecord {
  return { sha256: row.sha256, bytes: row.bytes, type: row.type, createdAt: row.created_at };
}

function toSubmission(row: SubmissionRow): StoredSubmission {
  const payload = JSON.parse(row.payload) as SubmissionPayload;
  return {
    receipt: { id: row.id, receivedAt: row.received_at, seq: row.seq },
    contentHash: row.content_hash,
    // Rows stored before the canonical form hold the payload as it was received.
    payload: canonicalPayload(payload),
  };
}

function toPublished(row: PublishedFormRow): PublishedForm {
  return {
    formId: row.form_id,
    version: row.version,
    definition: row.definition,
    publishedAt: row.published_at,
  };
}

const SUBMISSION_COLUMNS = 'seq, id, received_at, content_hash, payload';

/**
 * Every SQL statement of the server, prepared once on a migrated database.
 * The inserts are insert-if-absent: a row already under the key is read
 * back instead, and rows are never changed, so it is the one to answer with.
 */
export function sqliteOperations(db: DB): SyncOperations {
  const getPhoto = db.prepare<[string], PhotoRow>(
    'SELECT sha256, bytes, type, created_at FROM photos WHERE sha256 = ?',
  );
  const insertPhoto = db.prepare<[string, number, string, string]>(
    'INSERT INTO photos (sha256, bytes, type, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
  );
  const getSubmission = db.prepare<[string], SubmissionRow>(
    `SELECT ${SUBMISSION_COLUMNS} FROM submissions WHERE id = ?`,
  );
  const insertSubmission = db.prepare<
    [string, string, number, string, string, string, string, string, string | null]
  >(
    `INSERT INTO submissions (id, form_id, form_version, device_id, created_at, received_at, content_hash, payload, reference_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const linkPhoto = db.prepare<[number, string]>(
    'INSERT INTO submission_photos (submission_seq, sha256) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  const pageFrom = db.prepare<[number, number], SubmissionRow>(
    `SELECT ${SUBMISSION_COLUMNS} FROM submissions WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
  );
  const pageFirst = db.prepare<[number], SubmissionRow>(
    `SELECT ${SUBMISSION_COLUMNS} FROM submissions ORDER BY seq DESC LIMIT ?`,
  );
  const listPublished = db.prepare<[], PublishedFormRow>(
    'SELECT form_id, version, definition, published_at FROM published_forms ORDER BY form_id, version',
  );
  const getPublished = db.prepare<[string, number], PublishedFormRow>(
    'SELECT form_id, version, definition, published_at FROM published_forms WHERE form_id = ? AND version = ?',
  );
  const insertPublished = db.prepare<[string, number, string, string]>(
    `INSERT INTO published_forms (form_id, version, definition, published_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (form_id, version) DO NOTHING`,
  );

  /** The row under the key, which an insert that changed nothing has just met. */
  const held = <T>(row: T | undefined, what: string): T => {
    if (row === undefined) throw new Error(`${what} was neither inserted nor found.`);
    return row;
  };

  // A transaction of its own, or a savepoint inside the one under way: the row never stays without its links.
  const insertWithLinks = db.transaction(
    ({ payload, contentHash, receivedAt }: NewSubmission): Inserted<StoredSubmission> => {
      const result = insertSubmission.run(
        payload.id,
        payload.formId,
        payload.formVersion,
        payload.deviceId,
        payload.createdAt,
        receivedAt,
        contentHash,
        JSON.stringify(payload),
        payload.referenceVersion ?? null,
      );
      if (result.changes === 0) {
        const row = held(getSubmission.get(payload.id), `Submission ${payload.id}`);
        return { inserted: false, stored: toSubmission(row) };
      }
      const seq = Number(result.lastInsertRowid);
      for (const photo of payload.photos) linkPhoto.run(seq, photo.sha256);
      return {
        inserted: true,
        stored: { receipt: { id: payload.id, receivedAt, seq }, contentHash, payload },
      };
    },
  );

  return {
    getPhoto: (sha256) => {
      const row = getPhoto.get(sha256);
      return row && toPhoto(row);
    },

    insertPhoto: (photo) => {
      const { changes } = insertPhoto.run(photo.sha256, photo.bytes, photo.type, photo.createdAt);
      if (changes === 1) return { inserted: true, stored: photo };
      return { inserted: false, stored: toPhoto(held(getPhoto.get(photo.sha256), `Photo ${photo.sha256}`)) };
    },

    getSubmission: (id) => {
      const row = getSubmission.get(id);
      return row && toSubmission(row);
    },

    insertSubmission: (submission) => insertWithLinks(submission),

    listSubmissions: (before, limit): StoredSubmissionPage => {
      // One extra row tells whether an older page exists without a second query.
      const rows = before === null ? pageFirst.all(limit + 1) : pageFrom.all(before, limit + 1);
      const items = rows.slice(0, limit).map(toSubmission);
      const last = items[items.length - 1];
      return { items, nextBefore: rows.length > limit && last ? last.receipt.seq : null };
    },

    listPublishedForms: () => listPublished.all().map(toPublished),

    insertPublishedForm: (form) => {
      const { changes } = insertPublished.run(form.formId, form.version, form.definition, form.publishedAt);
      if (changes === 1) return { inserted: true, stored: form };
      const row = held(getPublished.get(form.formId, form.version), `Form ${form.formId}@${form.version}`);
      return { inserted: false, stored: toPublished(row) };
    },
  };
}
