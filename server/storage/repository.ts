import type { PhotoType, Receipt, ServerSubmission, SubmissionPayload } from '../../shared/submission.js';
import type { ReviewFlag } from '../../shared/review-flags.js';
import type { AccountsTx } from './accounts.js';
import type { Changes } from './changes.js';
import type { OutboxReportsTx } from './outbox-reports.js';
import type { ReviewsTx } from './reviews.js';

/** A photo whose bytes the photo store holds in full. */
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

/**
 * The reference data (GET /api/reference) as one server published it at
 * start-up. The highest revision is the current one, which every server
 * sharing the database serves.
 */
export interface ReferenceRevision {
  /** 1, 2, 3…, one more than the revision before. */
  revision: number;
  /** Strong ETag of body. */
  etag: string;
  /** The JSON body of GET /api/reference. */
  body: string;
  publishedAt: string;
  /** The server that published it, in words for the log: host, process, forms directory. */
  publishedBy: string;
}

/** The current revision without its body: what a server reads to learn whether it changed. */
export type ReferenceHead = Pick<ReferenceRevision, 'revision' | 'etag'>;

/**
 * A submission as stored: its receipt, the hash that identifies its
 * content, its canonical payload, and the enrolled device that sent it
 * (with the name it has now).
 */
export interface StoredSubmission {
  receipt: Receipt;
  contentHash: string;
  payload: SubmissionPayload;
  sentBy: ServerSubmission['sentBy'];
}

/** A submission to store; its seq is the repository's to give. */
export interface NewSubmission {
  /** In canonical form. */
  payload: SubmissionPayload;
  contentHash: string;
  receivedAt: string;
  /** The enrolled device whose credential sent it (its id is stored); null for none. */
  sentBy: ServerSubmission['sentBy'];
  /** What a reviewer should look twice at (shared/review-flags.ts); absent when not worked out yet. */
  flags?: ReviewFlag[];
}

/**
 * What an insert-if-absent did: stored is the row now held under the key,
 * the one just written (inserted) or the one found there (not inserted).
 */
export interface Inserted<T> {
  inserted: boolean;
  stored: T;
}

/** Submissions newest first, one page of them. */
export interface StoredSubmissionPage {
  items: StoredSubmission[];
  /** The seq to pass as `before` for the next, older page; null when this page is the last. */
  nextBefore: number | null;
}

/** The operations on what devices send and what the server publishes; these rows never change. */
export interface RecordsTx {
  getPhoto(sha256: string): Promise<PhotoRecord | undefined>;
  /** Records a photo whose bytes the photo store has already committed. */
  insertPhoto(photo: PhotoRecord): Promise<Inserted<PhotoRecord>>;

  getSubmission(id: string): Promise<StoredSubmission | undefined>;
  /** Stores a submission with its links to the photos it names, which must be recorded. */
  insertSubmission(submission: NewSubmission): Promise<Inserted<StoredSubmission>>;
  /**
   * Up to limit submissions with a seq below `before` (from the newest when
   * null), newest first, among those that are listed (see Order below);
   * only those of the forms given, unless null.
   */
  listSubmissions(
    before: number | null,
    limit: number,
    formIds?: readonly string[] | null,
  ): Promise<StoredSubmissionPage>;
  /** Whether a stored submission of one of these forms names the photo. */
  photoOnForms(sha256: string, formIds: readonly string[]): Promise<boolean>;

  /** Every form version ever published, by form id then version. */
  listPublishedForms(): Promise<PublishedForm[]>;
  getPublishedForm(formId: string, version: number): Promise<PublishedForm | undefined>;
  /** Records a form version the first time it is served. */
  insertPublishedForm(form: PublishedForm): Promise<Inserted<PublishedForm>>;

  /**
   * Publishing one server at a time: in a transaction, waits for every other
   * transaction that called it to end, and holds back any that calls it
   * later until this one ends. What the one before committed (its form
   * versions, its revision) is visible to the statements after it. On the
   * repository itself it only waits for the publisher under way.
   */
  lockReferenceRevisions(): Promise<void>;
  /** The number and ETag of the current (highest) revision; undefined before the first. One indexed read. */
  currentReferenceHead(): Promise<ReferenceHead | undefined>;
  getReferenceRevision(revision: number): Promise<ReferenceRevision | undefined>;
  /** Records a revision; under lockReferenceRevisions, as the next number. */
  insertReferenceRevision(revision: ReferenceRevision): Promise<Inserted<ReferenceRevision>>;
  // Moving records from one repository to another (server/migrate-storage).

  /** Up to limit photo records with a sha256 above `after` (from the lowest when null), by sha256. */
  listPhotos(after: string | null, limit: number): Promise<PhotoRecord[]>;
  /**
   * Stores a submission as another repository held it, its receipt (seq
   * included) unchanged, with its links to the photos it names, which must
   * be recorded. Insert-if-absent on the id; refused when another
   * submission holds the seq. A submission stored later gets a higher seq
   * than every one imported.
   */
  importSubmission(submission: StoredSubmission): Promise<Inserted<StoredSubmission>>;
}

/**
 * The operations of the server on its records and accounts, inside a
 * transaction. Every one of them is also available on the repository
 * itself, where each is atomic on its own: a submission is stored with its
 * photo links or not at all.
 */
export interface RepositoryTx extends RecordsTx, AccountsTx, ReviewsTx, OutboxReportsTx {}

/** The name of every operation of RepositoryTx, for implementations that hand each on the same way. */
export const REPOSITORY_OPERATIONS = Object.keys({
  getPhoto: true,
  insertPhoto: true,
  getSubmission: true,
  insertSubmission: true,
  listSubmissions: true,
  photoOnForms: true,
  listPublishedForms: true,
  getPublishedForm: true,
  insertPublishedForm: true,
  lockReferenceRevisions: true,
  currentReferenceHead: true,
  getReferenceRevision: true,
  insertReferenceRevision: true,
  listPhotos: true,
  importSubmission: true,
  insertUser: true,
  getUser: true,
  findUserByName: true,
  listUsers: true,
  updateUser: true,
  hasAdministrator: true,
  insertSession: true,
  getSession: true,
  touchSession: true,
  deleteSession: true,
  deleteUserSessions: true,
  deleteEndedSessions: true,
  listSessions: true,
  insertDevice: true,
  getDevice: true,
  findDeviceByCredential: true,
  findDeviceByEnrollmentCode: true,
  listDevices: true,
  enrollDevice: true,
  revokeDevice: true,
  touchDevice: true,
  insertSetupToken: true,
  getSetupToken: true,
  useSetupToken: true,
  listSetupTokens: true,
  recordSignInFailure: true,
  getSignInFailures: true,
  clearSignInFailures: true,
  listSignInFailures: true,
  insertSignInFailures: true,
  lockReviews: true,
  getReviewState: true,
  setReviewState: true,
  appendReviewEvent: true,
  listReviewEvents: true,
  reviewEventsAfter: true,
  importReviewEvent: true,
  listForReview: true,
  latestComments: true,
  reviewEventsForDevice: true,
  reviewEventsOnForms: true,
  countForReview: true,
  pointsForReview: true,
  submissionsWithoutFlags: true,
  referenceReplacedAt: true,
  setFlags: true,
  bulkReview: true,
  putOutboxReport: true,
  outboxReportsAfter: true,
  livePosition: true,
} satisfies Record<keyof RepositoryTx, true>) as (keyof RepositoryTx)[];

/**
 * Where the server keeps its records: photos (their bytes are the photo
 * store's), submissions, published form versions and revisions of the
 * reference data; and its accounts: users, their sessions, devices, set-up
 * tokens and counts of failed sign-ins (accounts.ts). Every implementation
 * must guarantee:
 *
 * - Durability: an operation or transaction resolves only once what it
 *   wrote survives a power cut. A receipt tells the device it may forget
 *   the submission. Transactions may share a commit (group commit): each
 *   then settles, resolved or rejected, only once that commit is done.
 * - Insert-if-absent: the insert* operations never fail on a key already
 *   held, even one committed a moment ago by another transaction or another
 *   server; they answer with the row held. The loser of a race for a new
 *   submission id thus gets the stored receipt (or a conflict), never an
 *   error. No operation updates or deletes a record (a photo, a submission,
  a form version, a revision, a review event) but setReviewState, which
  changes a submission's current review state with the event appended in
  the same transaction, and setFlags, which records what the server worked
  out from a submission; the account operations that say so update
  or delete account rows, each in one statement whose WHERE clause decides
  (of two enrollments with one code, one changes the row).
 * - Transactions: withTransaction runs fn's operations as one transaction,
 *   committed when fn resolves and rolled back when it rejects. Two
 *   transactions in flight at once never interleave inside one database
 *   transaction, however their awaits do: each has a connection of its
 *   own, or they run one after the other, each in a savepoint of a
 *   database transaction that several share so that one commit (and one
 *   fsync) serves them all; one rolling back to its savepoint leaves the
 *   others be, and each sees the writes of those before it in the batch,
 *   as if they had just committed. A look-up in a transaction may miss a
 *   row another server commits a moment later; insert-if-absent then finds
 *   it, and the caller decides on that row. Inside fn, use tx only: a call
 *   on the repository itself from fn is refused, rather than run outside the
 *   transaction or left waiting for it.
 * - Order: seq numbers submissions in the order they are inserted and is
 *   never reused. listSubmissions never shows a lower seq after a higher
 *   one: it lists a submission only once every lower seq has been
 *   committed or rolled back, so a client paging below the last seq it
 *   saw, or starting again from the newest, misses nothing. (Inside a
 *   transaction the listing may differ around that transaction's own
 *   inserts.) A look-up by id finds a submission as soon as it is
 *   committed. SQLite has the order
 *   from its single writer, which commits in seq order. Concurrent writers
 *   commit out of seq order, and numbering under a lock held to the commit
 *   would queue every insert behind the one before (its WAL flush
 *   included); so on PostgreSQL a seq is marked in flight until its
 *   transaction ends, and the listing stops below the lowest in flight
 *   (server/storage/postgres/migrations/0003-concurrent-inserts.sql).
 *   An imported submission keeps the seq it was given where it came from,
 *   so import only into a repository no server is using.
 * - Migrations: migrate() applies each numbered schema change not yet
 *   applied, each in its own transaction with its record, refusing a gap in
 *   the numbering, and applies each only once when several servers start at
 *   the same moment. The server calls it at start-up, before anything else.
 *   A repository opened to read only (openStoresToRead) applies none: its
 *   migrate() refuses a database whose migrations differ from this
 *   server's, and every insert is refused by the database.
 */
export interface Repository extends RepositoryTx {
  /** Signals to and from every server sharing the database, for the live review stream. */
  readonly changes: Changes;
  migrate(): Promise<void>;
  withTransaction<T>(fn: (tx: RepositoryTx) => Promise<T>): Promise<T>;
  /** Waits for the operations under way, then releases the database. */
  close(): Promise<void>;
}
