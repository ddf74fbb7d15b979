import { canonicalPayload } from '../shared/canonical.js';
import type { PhotoType, Receipt, ServerSubmission, SubmissionPayload } from '../shared/submission.js';
import type { DB } from './db.js';

export interface PhotoRecord {
  sha256: string;
  bytes: number;
  type: PhotoType;
  createdAt: string;
}

/** One form version as it was first served. */
export interface PublishedForm {
  formId: string;
  version: number;
  /** Canonical JSON of the FormDef. */
  definition: string;
  publishedAt: string;
}

export interface StoredSubmissionRow {
  receipt: Receipt;
  contentHash: string;
  payload: SubmissionPayload;
}

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

function toSubmission(row: SubmissionRow): StoredSubmissionRow {
  const payload = JSON.parse(row.payload) as SubmissionPayload;
  return {
    receipt: { id: row.id, receivedAt: row.received_at, seq: row.seq },
    contentHash: row.content_hash,
    // Rows stored before the canonical form hold the payload as it was received.
    payload: canonicalPayload(payload),
  };
}

export function toServerSubmission(row: StoredSubmissionRow): ServerSubmission {
  return { ...row.payload, receipt: row.receipt };
}

/** Every SQL statement of the server; routes never see SQL. */
export class Repository {
  readonly #db: DB;
  readonly #getPhoto;
  readonly #insertPhoto;
  readonly #getSubmission;
  readonly #insertSubmission;
  readonly #linkPhoto;
  readonly #pageFrom;
  readonly #pageFirst;
  readonly #listPublished;
  readonly #insertPublished;

  constructor(db: DB) {
    this.#db = db;
    this.#getPhoto = db.prepare<[string], PhotoRow>(
      'SELECT sha256, bytes, type, created_at FROM photos WHERE sha256 = ?',
    );
    this.#insertPhoto = db.prepare<[string, number, string, string]>(
      'INSERT INTO photos (sha256, bytes, type, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
    );
    this.#getSubmission = db.prepare<[string], SubmissionRow>(
      'SELECT seq, id, received_at, content_hash, payload FROM submissions WHERE id = ?',
    );
    this.#insertSubmission = db.prepare<
      [string, string, number, string, string, string, string, string, string | null]
    >(
      `INSERT INTO submissions (id, form_id, form_version, device_id, created_at, received_at, content_hash, payload, reference_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    this.#linkPhoto = db.prepare<[number, string]>(
      'INSERT INTO submission_photos (submission_seq, sha256) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.#pageFrom = db.prepare<[number, number], SubmissionRow>(
      'SELECT seq, id, received_at, content_hash, payload FROM submissions WHERE seq < ? ORDER BY seq DESC LIMIT ?',
    );
    this.#pageFirst = db.prepare<[number], SubmissionRow>(
      'SELECT seq, id, received_at, content_hash, payload FROM submissions ORDER BY seq DESC LIMIT ?',
    );
    this.#listPublished = db.prepare<[], PublishedFormRow>(
      'SELECT form_id, version, definition, published_at FROM published_forms ORDER BY form_id, version',
    );
    this.#insertPublished = db.prepare<[string, number, string, string]>(
      'INSERT INTO published_forms (form_id, version, definition, published_at) VALUES (?, ?, ?, ?)',
    );
  }

  /** Runs fn in an IMMEDIATE transaction: its reads and writes see no other writer in between. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  getPhoto(sha256: string): PhotoRecord | undefined {
    const row = this.#getPhoto.get(sha256);
    return row && { sha256: row.sha256, bytes: row.bytes, type: row.type, createdAt: row.created_at };
  }

  /** Records a photo whose file is already in place. False when it was already recorded. */
  addPhoto(photo: PhotoRecord): boolean {
    return this.#insertPhoto.run(photo.sha256, photo.bytes, photo.type, photo.createdAt).changes === 1;
  }

  getSubmission(id: string): StoredSubmissionRow | undefined {
    const row = this.#getSubmission.get(id);
    return row && toSubmission(row);
  }

  /**
   * Inserts a submission and its photo links. Returns the new receipt, or
   * null when a row with this id already exists (nothing is written then).
   */
  insertSubmission(payload: SubmissionPayload, contentHash: string, receivedAt: string): Receipt | null {
    const result = this.#insertSubmission.run(
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
    if (result.changes === 0) return null;
    const seq = Number(result.lastInsertRowid);
    for (const photo of payload.photos) this.#linkPhoto.run(seq, photo.sha256);
    return { id: payload.id, receivedAt, seq };
  }

  /** Every form version ever published, by id then version. */
  listPublishedForms(): PublishedForm[] {
    return this.#listPublished.all().map((r) => ({
      formId: r.form_id,
      version: r.version,
      definition: r.definition,
      publishedAt: r.published_at,
    }));
  }

  /** Records a form version seen for the first time. */
  addPublishedForm(form: PublishedForm): void {
    this.#insertPublished.run(form.formId, form.version, form.definition, form.publishedAt);
  }

  /** Up to limit submissions older than beforeSeq (all when null), newest first. */
  listSubmissions(beforeSeq: number | null, limit: number): StoredSubmissionRow[] {
    const rows = beforeSeq === null ? this.#pageFirst.all(limit) : this.#pageFrom.all(beforeSeq, limit);
    return rows.map(toSubmission);
  }
}
