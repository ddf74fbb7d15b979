import { createHash } from 'node:crypto';
import type { PhotoStore } from '../storage/photo-store.js';
import type { PublishedForm } from '../storage/repository.js';
import type { Stores } from '../storage/stores.js';
import {
  formDifferences,
  formName,
  photoDifferences,
  photoName,
  reviewEventDifferences,
  reviewEventName,
  revisionDifferences,
  revisionName,
  submissionDifferences,
  submissionName,
} from './differences.js';
import { Problems, Progress, type Out } from './progress.js';
import {
  eachBounded,
  pairUp,
  photoRecords,
  referenceRevisions,
  reviewEvents,
  submissions,
  type Pair,
} from './walk.js';
import { ACCOUNT_TABLES, pairRows, rowDifferences } from './accounts.js';

/** How many rows of one kind each side holds. */
export interface Tally {
  source: number;
  target: number;
}

/** What a walk of both sides found. */
export interface Comparison {
  photos: Tally & { sourceBytes: number };
  forms: Tally;
  revisions: Tally;
  submissions: Tally;
  reviews: Tally;
  /** Each table of accounts (accounts.ts), by its label. */
  accounts: Record<string, Tally>;
  /** Rows of the target that are not the source's: under a key the source lacks, or different. */
  foreign: Problems;
  /** Rows of the source the target lacks. */
  missing: Problems;
  /** Photos whose bytes the target has lost, or holds damaged (looked at only when re-hashing). */
  damaged: Problems;
}

export interface CompareOptions {
  /** Read back every photo the target records and hash it. */
  rehash: boolean;
  /** Photos read back at once. */
  concurrency: number;
  /** Progress lines are labelled with this ("checking", "verifying"). */
  verb: string;
  out: Out;
  /** Row counts of the source, when known, for the progress lines. */
  totals?: { photos: number; submissions: number };
}

/** Lower-case hex SHA-256 and length of what the store holds under sha256, or null when it holds nothing. */
async function hashHeld(
  photos: PhotoStore,
  sha256: string,
): Promise<{ sha256: string; bytes: number } | null> {
  const stream = await photos.open(sha256);
  if (!stream) return null;
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Files a pair under what it says about the target, counting each side. */
function judge<T>(
  pair: Pair<T>,
  tally: Tally,
  found: Comparison,
  name: (item: T) => string,
  differences: (a: T, b: T) => string[],
): boolean {
  const { source, target } = pair;
  if (source) tally.source++;
  if (target) tally.target++;
  if (source && !target) found.missing.add(`${name(source)}: not in the target`);
  if (target && !source) found.foreign.add(`${name(target)}: in the target, not in the source`);
  if (!source || !target) return false;
  const fields = differences(source, target);
  if (fields.length > 0 && name(source) !== name(target)) {
    found.foreign.add(`${name(target)}: in the target where the source has ${name(source)}`);
  } else if (fields.length > 0) {
    found.foreign.add(`${name(target)}: the target's differs from the source's in ${fields.join(', ')}`);
  }
  return fields.length === 0;
}

async function* listed(forms: PublishedForm[]): AsyncGenerator<PublishedForm> {
  yield* forms;
}

const formKey = (f: PublishedForm): string => JSON.stringify([f.formId, f.version]);

/**
 * Walks the source and the target side by side, kind by kind, and tells
 * every way the target is not the source's copy. Reads pages, never a
 * whole table; with rehash, also reads back every photo the target holds.
 */
export async function compareStores(
  source: Stores,
  target: Stores,
  options: CompareOptions,
): Promise<Comparison> {
  const found: Comparison = {
    photos: { source: 0, target: 0, sourceBytes: 0 },
    forms: { source: 0, target: 0 },
    revisions: { source: 0, target: 0 },
    submissions: { source: 0, target: 0 },
    reviews: { source: 0, target: 0 },
    accounts: {},
    foreign: new Problems(),
    missing: new Problems(),
    damaged: new Problems(),
  };
  const { out, verb, totals } = options;

  for (const table of ACCOUNT_TABLES) {
    const tally = (found.accounts[table.label] = { source: 0, target: 0 });
    for (const pair of await pairRows(table, source.repository, target.repository))
      judge(pair, tally, found, table.name, rowDifferences);
  }

  const photoProgress = new Progress(out, `${verb} photos`, totals?.photos ?? null, 10);
  const photoPairs = pairUp(
    photoRecords(source.repository),
    photoRecords(target.repository),
    (p) => p.sha256,
    true,
  );
  await eachBounded(photoPairs, options.rehash ? options.concurrency : 1, async (pair) => {
    if (pair.source) found.photos.sourceBytes += pair.source.bytes;
    const same = judge(pair, found.photos, found, photoName, photoDifferences);
    if (same && options.rehash && pair.target) {
      const { sha256, bytes } = pair.target;
      const held = await hashHeld(target.photos, sha256);
      if (!held)
        found.damaged.add(`photo ${sha256}: recorded, but the target's photo store has no bytes for it`);
      else if (held.sha256 !== sha256 || held.bytes !== bytes)
        found.damaged.add(
          `photo ${sha256}: the target's photo store holds ${held.bytes} bytes hashing to ${held.sha256}, not the photo's ${bytes}`,
        );
    }
    photoProgress.advance(pair.source ? 1 : 0, options.rehash ? (pair.target?.bytes ?? 0) : 0);
  });
  photoProgress.finish();

  // Every version ever published: a few hundred rows at the most, read whole.
  const byKey = (forms: PublishedForm[]): PublishedForm[] =>
    forms.sort((a, b) => (formKey(a) < formKey(b) ? -1 : formKey(a) > formKey(b) ? 1 : 0));
  const formPairs = pairUp(
    listed(byKey(await source.repository.listPublishedForms())),
    listed(byKey(await target.repository.listPublishedForms())),
    formKey,
    true,
  );
  for await (const pair of formPairs) judge(pair, found.forms, found, formName, formDifferences);

  const revisionPairs = pairUp(
    referenceRevisions(source.repository),
    referenceRevisions(target.repository),
    (r) => r.revision,
    true,
  );
  for await (const pair of revisionPairs)
    judge(pair, found.revisions, found, revisionName, revisionDifferences);

  const submissionProgress = new Progress(out, `${verb} submissions`, totals?.submissions ?? null, 10);
  const submissionPairs = pairUp(
    submissions(source.repository),
    submissions(target.repository),
    (s) => s.receipt.seq,
    false,
  );
  for await (const pair of submissionPairs) {
    judge(pair, found.submissions, found, submissionName, submissionDifferences);
    submissionProgress.advance(pair.source ? 1 : 0);
  }
  submissionProgress.finish();

  const eventPairs = pairUp(
    reviewEvents(source.repository),
    reviewEvents(target.repository),
    (e) => e.id,
    true,
  );
  for await (const pair of eventPairs)
    judge(pair, found.reviews, found, reviewEventName, reviewEventDifferences);
  return found;
}
