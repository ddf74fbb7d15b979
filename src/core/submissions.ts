/**
 * The outbox: every submission saved on this device, whatever its status.
 * Records are only ever removed by the user.
 */
import { del, entries, get, getMany, promisifyRequest, set, values } from 'idb-keyval';
import { SUBMISSION_SCHEMA, type StoredSubmission, type SubmissionStatus } from '../../shared/outbox.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import { UUID_RE } from '../../shared/submission.js';
import { newestFirst } from './newest-first.js';
import { notifyOutboxChange, notifyOutboxChanges } from './outbox-events.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';

/** A stored record that cannot be read: kept untouched, shown in diagnostics. */
export interface UnreadableRecord {
  key: string;
  problem: string;
}

/**
 * Reads a stored record of any schema this app ever wrote. Returns null for
 * something that is not a submission record at all (it is left in place).
 */
export function readStoredSubmission(raw: unknown): StoredSubmission | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Partial<StoredSubmission>;
  if (r.schema !== SUBMISSION_SCHEMA) return null;
  const p = r.payload;
  if (!p || typeof p.id !== 'string' || typeof p.formId !== 'string' || !Array.isArray(p.photos)) return null;
  const statuses: SubmissionStatus[] = ['queued', 'sending', 'sent', 'rejected', 'waiting'];
  if (!statuses.includes(r.status as SubmissionStatus)) return null;
  return {
    schema: SUBMISSION_SCHEMA,
    payload: p,
    status: r.status as SubmissionStatus,
    attempts: typeof r.attempts === 'number' ? r.attempts : 0,
    lastError: r.lastError ?? null,
    rejection: r.rejection ?? null,
    receipt: r.receipt ?? null,
    updatedAt: typeof r.updatedAt === 'string' ? r.updatedAt : p.createdAt,
    nextAttemptAt: typeof r.nextAttemptAt === 'number' ? r.nextAttemptAt : 0,
  };
}

/** Thrown when a save refers to photos the device does not hold. Nothing was saved. */
export class MissingPhotoError extends Error {
  constructor(public readonly hashes: string[]) {
    super('A photo of this submission is no longer on the device. Remove it and add it again, then save.');
    this.name = 'MissingPhotoError';
  }
}

/**
 * Queues a submission. Its photos must already be in the photo store (they are
 * stored when added to the form), so the record is written last and can never
 * point at a missing photo. Saving the id of a rejected submission again
 * (after a correction) queues it afresh.
 */
export async function saveSubmission(
  payload: SubmissionPayload,
  s: Stores = defaultStores,
): Promise<StoredSubmission> {
  if (!UUID_RE.test(payload.id)) throw new Error(`Not a submission id: ${payload.id}`);
  const hashes = payload.photos.map((p) => p.sha256);
  const held = await getMany(hashes, s.photos);
  const missing = hashes.filter((_, i) => held[i] === undefined);
  if (missing.length) throw new MissingPhotoError(missing);
  const existing = readStoredSubmission(await get(payload.id, s.submissions));
  if (existing && existing.status !== 'rejected') {
    throw new Error('This submission is already saved and cannot be changed.');
  }
  const record: StoredSubmission = {
    schema: SUBMISSION_SCHEMA,
    payload,
    status: 'queued',
    attempts: 0,
    lastError: null,
    rejection: null,
    receipt: null,
    updatedAt: new Date().toISOString(),
    nextAttemptAt: 0,
  };
  await guardQuota(() => set(payload.id, record, s.submissions));
  // The draft is done with; if this delete is lost to a crash, start-up cleans it.
  await del(payload.id, s.drafts);
  notifyOutboxChange({ id: payload.id, status: 'queued' });
  return record;
}

export async function getSubmission(
  id: string,
  s: Stores = defaultStores,
): Promise<StoredSubmission | undefined> {
  return readStoredSubmission(await get(id, s.submissions)) ?? undefined;
}

/** These submissions, in one read; undefined for one not on the device (or not readable). */
export async function getSubmissions(
  ids: readonly string[],
  s: Stores = defaultStores,
): Promise<(StoredSubmission | undefined)[]> {
  return (await getMany([...ids], s.submissions)).map((r) => readStoredSubmission(r) ?? undefined);
}

/** Every readable submission, newest first. */
export async function listSubmissions(s: Stores = defaultStores): Promise<StoredSubmission[]> {
  return byNewest((await values(s.submissions)).map(readStoredSubmission).filter((r) => r !== null));
}

/** Records that no version of the app can read; kept as they are for a later fix. */
export async function unreadableSubmissions(s: Stores = defaultStores): Promise<UnreadableRecord[]> {
  return (await readOutbox(s)).unreadable;
}

/** The whole outbox: the readable records, newest first, and the ones this version cannot read. */
export interface Outbox {
  records: StoredSubmission[];
  unreadable: UnreadableRecord[];
}

/** The whole outbox in one read. */
export async function readOutbox(s: Stores = defaultStores): Promise<Outbox> {
  const records: StoredSubmission[] = [];
  const unreadable: UnreadableRecord[] = [];
  for (const [key, raw] of await entries<IDBValidKey, unknown>(s.submissions)) {
    const record = readStoredSubmission(raw);
    if (record) records.push(record);
    else
      unreadable.push({
        key: String(key),
        problem: 'This record was written in a format this version cannot read.',
      });
  }
  return { records: byNewest(records), unreadable };
}

function byNewest(records: StoredSubmission[]): StoredSubmission[] {
  return records.sort((a, b) => newestFirst(a.payload.createdAt, b.payload.createdAt));
}

/** A change waiting for the next write to the outbox. */
interface PendingUpdate {
  id: string;
  updater: (current: StoredSubmission) => StoredSubmission | null;
  resolve: (stored: StoredSubmission | undefined) => void;
  reject: (e: unknown) => void;
}

/** Per outbox database: the changes waiting while a write is under way. */
const writeQueues = new WeakMap<Stores['submissions'], PendingUpdate[]>();

/**
 * Atomically changes a submission (read-modify-write in one transaction).
 * The updater returns null to leave the record as it is. Resolves to the
 * record as stored afterwards, once the change is durable.
 *
 * Changes asked for while a write is under way go together into the next
 * transaction, in the order asked, with one notice for all of them: several
 * senders finishing at once cost one write, not one each.
 */
export function updateSubmission(
  id: string,
  updater: (current: StoredSubmission) => StoredSubmission | null,
  s: Stores = defaultStores,
): Promise<StoredSubmission | undefined> {
  return new Promise((resolve, reject) => {
    const queued = writeQueues.get(s.submissions);
    if (queued) {
      queued.push({ id, updater, resolve, reject });
      return;
    }
    const waiting: PendingUpdate[] = [{ id, updater, resolve, reject }];
    writeQueues.set(s.submissions, waiting);
    void writeAll(waiting, s);
  });
}

/** Writes the waiting changes, batch after batch, until none is left. */
async function writeAll(waiting: PendingUpdate[], s: Stores): Promise<void> {
  while (waiting.length) {
    const batch = waiting.splice(0);
    try {
      const outcomes = await writeBatch(batch, s);
      const changes = outcomes.flatMap((o) =>
        o.changed && o.stored ? [{ id: o.id, status: o.stored.status }] : [],
      );
      notifyOutboxChanges(changes);
      batch.forEach((p, i) => {
        const o = outcomes[i];
        if (o?.error !== undefined) p.reject(o.error);
        else p.resolve(o?.stored);
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
  writeQueues.delete(s.submissions);
}

interface Outcome {
  id: string;
  stored: StoredSubmission | undefined;
  changed: boolean;
  error?: unknown;
}

/** One readwrite transaction, so no sender ever interleaves a read and a write; each change sees the one before. */
function writeBatch(batch: PendingUpdate[], s: Stores): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  return guardQuota(() =>
    s.submissions('readwrite', (store) => {
      const step = (i: number): void => {
        const p = batch[i];
        if (!p) return;
        const req = store.get(p.id);
        req.onsuccess = () => {
          const current = readStoredSubmission(req.result);
          const outcome: Outcome = { id: p.id, stored: current ?? undefined, changed: false };
          outcomes.push(outcome);
          try {
            const next = current ? p.updater(current) : null;
            if (next !== null) {
              outcome.changed = true;
              outcome.stored = next;
              store.put(next, p.id);
            }
          } catch (e) {
            // One change failing leaves the others to be written.
            outcome.error = e;
          }
          step(i + 1);
        };
      };
      step(0);
      // Resolve when the transaction commits: only then is the change durable.
      return promisifyRequest(store.transaction).then(() => outcomes);
    }),
  );
}

/** Removes a submission and nothing else; photos are collected at the next start. */
export async function deleteSubmission(id: string, s: Stores = defaultStores): Promise<void> {
  await del(id, s.submissions);
  notifyOutboxChange({ id, status: 'deleted' });
}

/** Puts a rejected submission back in the queue as it is, with a fresh count of attempts. */
export function requeueSubmission(
  id: string,
  s: Stores = defaultStores,
): Promise<StoredSubmission | undefined> {
  return updateSubmission(
    id,
    (r) =>
      r.status === 'rejected'
        ? {
            ...r,
            status: 'queued',
            attempts: 0,
            nextAttemptAt: 0,
            rejection: null,
            lastError: null,
            updatedAt: new Date().toISOString(),
          }
        : null,
    s,
  );
}
