import { closeStores, openStores, openStoresToRead, type Stores } from '../storage/stores.js';
import { compareStores, type Comparison } from './compare.js';
import { copyStores, type CopyReport } from './copy.js';
import type { MigrateOptions, Side } from './options.js';
import { count, seconds, size, type Out } from './progress.js';

/** The side could not be opened: the message names it and why. */
export class CannotOpen extends Error {
  constructor(side: Side, cause: unknown) {
    super(
      `Cannot open the ${side.flag === '--from' ? 'source' : 'target'} (${side.flag}: ${side.records}, photos in ${side.photos}): ${(cause as Error).message}`,
      { cause },
    );
    this.name = 'CannotOpen';
  }
}

async function open(side: Side, opener: typeof openStores): Promise<Stores> {
  try {
    return await opener(side.config);
  } catch (err) {
    throw new CannotOpen(side, err);
  }
}

function sourceHolds(c: Comparison): string {
  return `${count(c.photos.source)} photos (${size(c.photos.sourceBytes)}), ${count(c.forms.source)} form versions, ${count(c.revisions.source)} reference data revisions, ${count(c.submissions.source)} submissions, ${count(c.reviews.source)} review events`;
}

/** The accounts the source holds: "2 users, 5 devices, …". */
function accountsHeld(c: Comparison): string {
  return Object.entries(c.accounts)
    .map(([label, t]) => `${count(t.source)} ${label}`)
    .join(', ');
}

function copied(report: CopyReport): string[] {
  const row = (label: string, t: { copied: number; present: number }, extra = ''): string =>
    `  ${label.padEnd(14)} ${count(t.copied)} copied, ${count(t.present)} already there${extra}`;
  return [
    ...Object.entries(report.accounts).map(([label, t]) => row(label, t)),
    row('photos', report.photos, ` (${size(report.photos.bytesCopied)} written)`),
    row('form versions', report.forms),
    row('reference data', report.revisions),
    row('submissions', report.submissions),
    row('review events', report.reviews),
  ];
}

/** Walks both sides again, re-hashing every photo in the target; prints the verdict, answers whether they match. */
async function verify(
  source: Stores,
  target: Stores,
  options: MigrateOptions,
  out: Out,
  totals?: { photos: number; submissions: number },
): Promise<boolean> {
  const started = performance.now();
  out('Verifying the target against the source, every photo re-hashed…');
  const found = await compareStores(source, target, {
    rehash: true,
    concurrency: options.concurrency,
    verb: 'verifying',
    out,
    totals,
  });
  const problems = found.missing.count + found.foreign.count + found.damaged.count;
  if (problems === 0) {
    out(
      `Verified in ${seconds(performance.now() - started)}: the target holds the source's ${sourceHolds(found)}, the same receipts, hashes and bytes.`,
    );
    return true;
  }
  out(`The target does not match the source (${count(problems)} problems):`);
  for (const list of [found.missing, found.foreign, found.damaged]) list.lines().forEach((l) => out(l));
  const tally = (label: string, t: { source: number; target: number }): string =>
    `  ${label.padEnd(14)} source ${count(t.source)}, target ${count(t.target)}`;
  out('Counts:');
  for (const [label, t] of Object.entries(found.accounts)) out(tally(label, t));
  out(tally('photos', found.photos));
  out(tally('form versions', found.forms));
  out(tally('reference data', found.revisions));
  out(tally('submissions', found.submissions));
  out(tally('review events', found.reviews));
  out(
    "Run the copy again (without --verify-only) to copy what is missing. A photo whose bytes in the target are wrong must first be removed from the target's photo store.",
  );
  return false;
}

/**
 * Copies the source into the target and verifies the copy, or with
 * verifyOnly only verifies. The target is checked first: it must be empty,
 * or hold only rows the source has, the same. Answers the exit status: 0
 * when the target matches the source, 1 otherwise; throws when a store
 * fails or the target changes under it.
 */
export async function migrateStorage(options: MigrateOptions, out: Out): Promise<number> {
  const started = performance.now();
  out(`From: ${options.from.records}, photos in ${options.from.photos}`);
  out(`To:   ${options.to.records}, photos in ${options.to.photos}`);
  const source = await open(options.from, openStoresToRead);
  try {
    const target = await open(options.to, options.verifyOnly ? openStoresToRead : openStores);
    try {
      if (options.verifyOnly) return (await verify(source, target, options, out)) ? 0 : 1;

      out('Checking the target against the source…');
      const before = await compareStores(source, target, {
        rehash: false,
        concurrency: options.concurrency,
        verb: 'checking',
        out,
      });
      if (before.foreign.count > 0) {
        out(
          "Refused: the target holds rows that are not the source's, so it is neither empty nor an earlier run of this copy. Nothing was written.",
        );
        before.foreign.lines().forEach((l) => out(l));
        out('Point --to at empty stores, or at the target of an earlier run of this same copy.');
        return 1;
      }
      out(`The source holds ${sourceHolds(before)}.`);
      out(`Its accounts: ${accountsHeld(before)}.`);
      const copyStarted = performance.now();
      const totals = { photos: before.photos.source, submissions: before.submissions.source };
      const report = await copyStores(source, target, { concurrency: options.concurrency, out, totals });
      out(`Copied in ${seconds(performance.now() - copyStarted)}:`);
      copied(report).forEach((l) => out(l));
      if (report.unreadable.count > 0) {
        out(`The source cannot give ${count(report.unreadable.count)} photos, which were not copied:`);
        report.unreadable.lines().forEach((l) => out(l));
        if (report.skipped.count > 0) {
          out(`Nor were the ${count(report.skipped.count)} submissions that need them:`);
          report.skipped.lines().forEach((l) => out(l));
        }
        out('Put those photos back in the source (from a backup), then run the same command again.');
        return 1;
      }
      const ok = await verify(source, target, options, out, totals);
      out(`${ok ? 'Done' : 'Copied, but not verified'} in ${seconds(performance.now() - started)}.`);
      return ok ? 0 : 1;
    } finally {
      await closeStores(target);
    }
  } finally {
    await closeStores(source);
  }
}
