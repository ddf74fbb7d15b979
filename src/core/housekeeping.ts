/** Start-up tidying that keeps storage bounded without ever touching data in use. */
import { delMany, keys } from 'idb-keyval';
import type { Draft, StoredSubmission } from '../../shared/outbox.js';
import { SHA256_RE } from '../../shared/submission.js';
import { isBlankDraft, listDrafts } from './drafts.js';
import { getPhoto, deletePhotos, photoHashes } from './photos.js';
import { defaultStores, type Stores } from './stores.js';
import { readOutbox, type Outbox } from './submissions.js';

/** The photos submissions and drafts refer to. */
function photosInUse(submissions: readonly StoredSubmission[], drafts: readonly Draft[]): Set<string> {
  const used = new Set<string>();
  for (const sub of submissions) for (const p of sub.payload.photos) used.add(p.sha256);
  for (const d of drafts) {
    for (const v of Object.values(d.answers)) {
      if (Array.isArray(v)) for (const h of v) if (SHA256_RE.test(h)) used.add(h);
    }
  }
  return used;
}

/** A photo younger than this may belong to a form being filled in another tab right now. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

/**
 * Deletes photos that no submission and no draft refers to (left when a photo
 * is removed from a form or a draft is discarded), drafts whose submission
 * was saved but whose deletion a crash interrupted, and blank drafts.
 * Resolves to the number of photos and drafts removed, and the outbox read.
 */
export async function collectGarbage(
  s: Stores = defaultStores,
  now = Date.now(),
): Promise<{ photos: number; drafts: number; outbox: Outbox }> {
  // Drafts first: a save writes the submission before it deletes the draft, so
  // a photo being saved is seen in one read or the other, never in neither.
  const drafts = await listDrafts(s);
  const [outbox, hashes] = await Promise.all([readOutbox(s), photoHashes(s)]);
  const { records: submissions, unreadable } = outbox;
  const used = photosInUse(submissions, drafts);
  // A record this version cannot read (written by a newer one) may refer to
  // any photo: while one exists, no photo counts as unreferenced.
  const orphans: string[] = [];
  for (const h of unreadable.length ? [] : hashes) {
    if (used.has(h)) continue;
    const photo = await getPhoto(h, s);
    if (photo && now - (photo.addedAt ?? 0) < ORPHAN_GRACE_MS) continue;
    orphans.push(h);
  }
  if (orphans.length) await deletePhotos(orphans, s);

  const byId = new Map(submissions.map((x) => [x.payload.id, x]));
  const staleDrafts = drafts
    .filter((d) => {
      // Blank drafts left by a crash (or an older version); a young one may be open in another tab.
      if (isBlankDraft(d) && now - Date.parse(d.updatedAt) >= ORPHAN_GRACE_MS) return true;
      const sub = byId.get(d.id);
      // A correction of a rejected submission is a live draft with the same id.
      return sub !== undefined && !(d.correcting && sub.status === 'rejected');
    })
    .map((d) => d.id);
  const draftKeys = new Set((await keys<string>(s.drafts)).map(String));
  const toDelete = staleDrafts.filter((id) => draftKeys.has(id));
  if (toDelete.length) await delMany(toDelete, s.drafts);
  // The outbox as read, which nothing here changed: start-up counts and tidies from it without reading it again.
  return { photos: orphans.length, drafts: toDelete.length, outbox };
}

/**
 * Deletes these photos now, except those a draft or a submission refers to
 * (the same bytes taken twice): a kiosk's discarded form takes its photos
 * with it, and what the server has is freed without waiting for the next
 * tidy-up. `staying` are the submissions that stay, when the caller has
 * read them; otherwise every readable one, and nothing is deleted while a
 * record this version cannot read (which may refer to any photo) exists.
 * Resolves to the number deleted.
 */
export async function forgetPhotos(
  hashes: Iterable<string>,
  s: Stores = defaultStores,
  staying?: readonly StoredSubmission[],
): Promise<number> {
  const candidates = new Set(hashes);
  if (candidates.size === 0) return 0;
  let records = staying;
  if (!records) {
    const outbox = await readOutbox(s);
    if (outbox.unreadable.length) return 0;
    records = outbox.records;
  }
  const used = photosInUse(records, await listDrafts(s));
  const held = new Set(await photoHashes(s));
  const gone = [...candidates].filter((h) => held.has(h) && !used.has(h));
  if (gone.length) await deletePhotos(gone, s);
  return gone.length;
}
