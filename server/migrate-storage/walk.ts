import type { ReviewEvent } from '../../shared/review.js';
import type {
  PhotoRecord,
  ReferenceRevision,
  RepositoryTx,
  StoredSubmission,
} from '../storage/repository.js';

/** Photo records read at a time. */
const PHOTO_PAGE = 100;
/** Submissions read (and written, as one transaction) at a time. */
export const SUBMISSION_PAGE = 500;

/** Every revision of the reference data, oldest first; one at a time (each is the whole body, ~1.5 MB). */
export async function* referenceRevisions(repo: RepositoryTx): AsyncGenerator<ReferenceRevision> {
  const head = await repo.currentReferenceHead();
  for (let revision = 1; revision <= (head?.revision ?? 0); revision++) {
    const found = await repo.getReferenceRevision(revision);
    if (found) yield found;
  }
}

/** Every photo record of the repository, by sha256, read a page at a time. */
export async function* photoRecords(repo: RepositoryTx): AsyncGenerator<PhotoRecord> {
  for (let after: string | null = null; ;) {
    const page = await repo.listPhotos(after, PHOTO_PAGE);
    yield* page;
    const last = page[page.length - 1];
    if (!last || page.length < PHOTO_PAGE) return;
    after = last.sha256;
  }
}

/** Every submission of the repository, newest first, a page at a time. */
export async function* submissionPages(repo: RepositoryTx): AsyncGenerator<StoredSubmission[]> {
  for (let before: number | null = null; ;) {
    const page = await repo.listSubmissions(before, SUBMISSION_PAGE);
    if (page.items.length > 0) yield page.items;
    if (page.nextBefore === null) return;
    before = page.nextBefore;
  }
}

/** Review events read (and written, as one transaction) at a time. */
export const REVIEW_EVENT_PAGE = 500;

/** Every review event of the repository, oldest first, a page at a time. */
export async function* reviewEventPages(repo: RepositoryTx): AsyncGenerator<ReviewEvent[]> {
  for (let after = 0; ;) {
    const page = await repo.reviewEventsAfter(after, REVIEW_EVENT_PAGE);
    if (page.length > 0) yield page;
    const last = page[page.length - 1];
    if (!last || page.length < REVIEW_EVENT_PAGE) return;
    after = last.id;
  }
}

/** Every review event of the repository, oldest first. */
export async function* reviewEvents(repo: RepositoryTx): AsyncGenerator<ReviewEvent> {
  for await (const page of reviewEventPages(repo)) yield* page;
}

/** Every submission of the repository, newest first. */
export async function* submissions(repo: RepositoryTx): AsyncGenerator<StoredSubmission> {
  for await (const page of submissionPages(repo)) yield* page;
}

/** An item of either side under one key; a side that lacks it has undefined. */
export interface Pair<T> {
  source: T | undefined;
  target: T | undefined;
}

type Key = string | number;

/**
 * Walks two listings sorted by the same key side by side, pairing the items
 * under equal keys. ascending says the order both are in. Throws when a
 * side is not in that order: pairing would then report rows as missing
 * that are not.
 */
export async function* pairUp<T>(
  source: AsyncIterable<T>,
  target: AsyncIterable<T>,
  keyOf: (item: T) => Key,
  ascending: boolean,
): AsyncGenerator<Pair<T>> {
  const before = (a: Key, b: Key): boolean => (ascending ? a < b : a > b);
  const sides = [source[Symbol.asyncIterator](), target[Symbol.asyncIterator]()] as const;
  const last: [Key | null, Key | null] = [null, null];
  const next = async (side: 0 | 1): Promise<T | undefined> => {
    const step = await sides[side].next();
    if (step.done) return undefined;
    const key = keyOf(step.value);
    const previous = last[side];
    if (previous !== null && !before(previous, key))
      throw new Error(
        `The ${side === 0 ? 'source' : 'target'} listed ${String(key)} after ${String(previous)}.`,
      );
    last[side] = key;
    return step.value;
  };
  let s = await next(0);
  let t = await next(1);
  while (s !== undefined || t !== undefined) {
    if (t === undefined || (s !== undefined && before(keyOf(s), keyOf(t)))) {
      yield { source: s, target: undefined };
      s = await next(0);
    } else if (s === undefined || before(keyOf(t), keyOf(s))) {
      yield { source: undefined, target: t };
      t = await next(1);
    } else {
      yield { source: s, target: t };
      s = await next(0);
      t = await next(1);
    }
  }
}

/**
 * Runs work on each item as it arrives, at most limit at once. Stops taking
 * items at the first failure and rejects with it once the work under way
 * has settled.
 */
export async function eachBounded<T>(
  items: AsyncIterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  const failures: unknown[] = [];
  for await (const item of items) {
    if (failures.length > 0) break;
    const task: Promise<void> = work(item)
      .catch((err: unknown) => void failures.push(err))
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failures.length > 0) throw failures[0];
}
