import type { Inserted, NewSubmission, RecordsTx, StoredSubmission } from '../repository.js';
import {
  CURRENT_REFERENCE_HEAD,
  held,
  IMPORTED_COLUMNS,
  importedValues,
  NEW_SUBMISSION_COLUMNS,
  newSubmissionRow,
  PUBLISHED_COLUMNS,
  REVISION_COLUMNS,
  type ImportedValues,
  SELECT_SUBMISSIONS,
  toPage,
  toPhoto,
  toPublished,
  toReferenceHead,
  toReferenceRevision,
  toSubmission,
  type PhotoRow,
  type NewSubmissionRow,
  type PublishedFormRow,
  type ReferenceHeadRow,
  type ReferenceRevisionRow,
  type SubmissionRow,
} from '../rows.js';
import type { DB } from './database.js';

/** The repository's operations on records as better-sqlite3 runs them: synchronously. */
export type SyncOperations = {
  [K in keyof RecordsTx]: (...args: Parameters<RecordsTx[K]>) => Awaited<ReturnType<RecordsTx[K]>>;
};

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
  const getSubmission = db.prepare<[string], SubmissionRow>(`${SELECT_SUBMISSIONS} WHERE s.id = ?`);
  // A resend of an id already held takes no number: AUTOINCREMENT would spend one on DO NOTHING.
  const insertSubmission = db.prepare<[...NewSubmissionRow, string]>(
    `INSERT INTO submissions (${NEW_SUBMISSION_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
     WHERE NOT EXISTS (SELECT 1 FROM submissions WHERE id = ?) ON CONFLICT (id) DO NOTHING`,
  );
  const linkPhoto = db.prepare<[number, string]>(
    'INSERT INTO submission_photos (submission_seq, sha256) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  // Rows of the forms in a JSON array, or of every form when it is null.
  const ofForms = 's.form_id IN (SELECT value FROM json_each(?)) OR ? IS NULL';
  const page = db.prepare<[number, string | null, string | null, number], SubmissionRow>(
    `${SELECT_SUBMISSIONS} WHERE s.seq < ? AND (${ofForms}) ORDER BY s.seq DESC LIMIT ?`,
  );
  const photoOnForms = db
    .prepare<[string, string], number>(
      `SELECT 1 FROM submission_photos p JOIN submissions s ON s.seq = p.submission_seq
     WHERE p.sha256 = ? AND s.form_id IN (SELECT value FROM json_each(?)) LIMIT 1`,
    )
    .pluck();
  const listPublished = db.prepare<[], PublishedFormRow>(
    `SELECT ${PUBLISHED_COLUMNS} FROM published_forms ORDER BY form_id, version`,
  );
  const getPublished = db.prepare<[string, number], PublishedFormRow>(
    `SELECT ${PUBLISHED_COLUMNS} FROM published_forms WHERE form_id = ? AND version = ?`,
  );
  const insertPublished = db.prepare<[string, number, string, string]>(
    `INSERT INTO published_forms (form_id, version, definition, published_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (form_id, version) DO NOTHING`,
  );
  const referenceHead = db.prepare<[], ReferenceHeadRow>(CURRENT_REFERENCE_HEAD);
  const getRevision = db.prepare<[number], ReferenceRevisionRow>(
    `SELECT ${REVISION_COLUMNS} FROM reference_revisions WHERE revision = ?`,
  );
  const insertRevision = db.prepare<[number, string, string, string, string]>(
    `INSERT INTO reference_revisions (${REVISION_COLUMNS}) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (revision) DO NOTHING`,
  );

  // A transaction of its own, or a savepoint inside the one under way: the row never stays without its links.
  const insertWithLinks = db.transaction((submission: NewSubmission): Inserted<StoredSubmission> => {
    const { payload, contentHash, receivedAt, sentBy } = submission;
    const result = insertSubmission.run(...newSubmissionRow(submission), payload.id);
    if (result.changes === 0) {
      const row = held(getSubmission.get(payload.id), `Submission ${payload.id}`);
      return { inserted: false, stored: toSubmission(row) };
    }
    const seq = Number(result.lastInsertRowid);
    for (const photo of payload.photos) linkPhoto.run(seq, photo.sha256);
    return {
      inserted: true,
      stored: { receipt: { id: payload.id, receivedAt, seq }, contentHash, payload, sentBy },
    };
  });

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

    listSubmissions: (before, limit, formIds = null) => {
      const forms = formIds === null ? null : JSON.stringify(formIds);
      // seq is never above 2^53, so "below the largest safe integer" is "from the newest".
      return toPage(page.all(before ?? Number.MAX_SAFE_INTEGER, forms, forms, limit + 1), limit);
    },

    photoOnForms: (sha256, formIds) => photoOnForms.get(sha256, JSON.stringify(formIds)) !== undefined,

    listPublishedForms: () => listPublished.all().map(toPublished),

    getPublishedForm: (formId, version) => {
      const row = getPublished.get(formId, version);
      return row && toPublished(row);
    },

    insertPublishedForm: (form) => {
      const { changes } = insertPublished.run(form.formId, form.version, form.definition, form.publishedAt);
      if (changes === 1) return { inserted: true, stored: form };
      const row = held(getPublished.get(form.formId, form.version), `Form ${form.formId}@${form.version}`);
      return { inserted: false, stored: toPublished(row) };
    },

    // One writer at a time already: every write transaction is BEGIN IMMEDIATE.
    lockReferenceRevisions: () => undefined,

    currentReferenceHead: () => {
      const row = referenceHead.get();
      return row && toReferenceHead(row);
    },

    getReferenceRevision: (revision) => {
      const row = getRevision.get(revision);
      return row && toReferenceRevision(row);
    },

    insertReferenceRevision: (r) => {
      const { changes } = insertRevision.run(r.revision, r.etag, r.body, r.publishedAt, r.publishedBy);
      if (changes === 1) return { inserted: true, stored: r };
      const row = held(getRevision.get(r.revision), `Reference revision ${r.revision}`);
      return { inserted: false, stored: toReferenceRevision(row) };
    },
    ...moveOperations(db, (id) => {
      const row = getSubmission.get(id);
      return row && toSubmission(row);
    }),
  };
}

/** The statements that move records from one repository to another. */
function moveOperations(
  db: DB,
  getSubmission: SyncOperations['getSubmission'],
): Pick<SyncOperations, 'listPhotos' | 'importSubmission'> {
  const photosFrom = db.prepare<[string, number], PhotoRow>(
    'SELECT sha256, bytes, type, created_at FROM photos WHERE sha256 > ? ORDER BY sha256 LIMIT ?',
  );
  const photosFirst = db.prepare<[number], PhotoRow>(
    'SELECT sha256, bytes, type, created_at FROM photos ORDER BY sha256 LIMIT ?',
  );
  // Any conflict, on the id or on the seq, inserts nothing. An explicit seq
  // raises AUTOINCREMENT's high-water mark to it, so later seqs come after.
  const importRow = db.prepare<ImportedValues>(
    `INSERT INTO submissions (${IMPORTED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const link = db.prepare<[number, string]>(
    'INSERT INTO submission_photos (submission_seq, sha256) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  const importWithLinks = db.transaction((submission: StoredSubmission): Inserted<StoredSubmission> => {
    const { receipt, payload } = submission;
    const { changes } = importRow.run(...importedValues(submission));
    if (changes === 0) {
      const stored = getSubmission(receipt.id);
      if (!stored)
        throw new Error(`Submission ${receipt.id} cannot take seq ${receipt.seq}: another holds it.`);
      return { inserted: false, stored };
    }
    for (const photo of payload.photos) link.run(receipt.seq, photo.sha256);
    return { inserted: true, stored: submission };
  });

  return {
    listPhotos: (after, limit) =>
      (after === null ? photosFirst.all(limit) : photosFrom.all(after, limit)).map(toPhoto),
    importSubmission: (submission) => importWithLinks(submission),
  };
}
