/**
 * Room for what is still to be captured: once the server's receipt for a
 * submission is held on the device, its photos (and, on a kiosk, the whole
 * record) are not needed to deliver it any more. Nothing unsent, nothing a
 * draft or an unsent submission refers to, is ever touched.
 */
import { get, promisifyRequest, set } from 'idb-keyval';
import type { StoredSubmission } from '../../shared/outbox.js';
import { forgetPhotos } from './housekeeping.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';
import { readOutbox, readStoredSubmission, type Outbox } from './submissions.js';

const FREE_AFTER_KEY = 'free-sent-photos-after-days';
/** The choices a phone offers for freeing sent photos, in days. */
export const FREE_AFTER_CHOICES = [7, 30, 90] as const;

const delivered = (r: StoredSubmission): boolean => r.status === 'sent' && r.receipt !== null;

/** How many days after sending a phone frees the photos of a submission; null: never (the default). */
export async function getFreeSentPhotosAfterDays(s: Stores = defaultStores): Promise<number | null> {
  const days = await get<unknown>(FREE_AFTER_KEY, s.settings);
  return typeof days === 'number' && days > 0 ? days : null;
}

export async function setFreeSentPhotosAfterDays(
  days: number | null,
  s: Stores = defaultStores,
): Promise<void> {
  await guardQuota(() => set(FREE_AFTER_KEY, days, s.settings));
}

/**
 * A phone's tidy-up: the photos of submissions the server received more
 * than `days` ago are deleted from the device; the records stay, for the
 * outbox, the map and the reviewers' feedback. Resolves to the number of
 * photos freed.
 */
export async function freeSentPhotos(
  days: number,
  s: Stores = defaultStores,
  now = Date.now(),
  /** The outbox when the caller has just read it. */
  outbox?: Outbox,
): Promise<number> {
  const { records, unreadable } = outbox ?? (await readOutbox(s));
  // A record this version cannot read may refer to any photo.
  if (unreadable.length) return 0;
  const before = now - days * 24 * 60 * 60 * 1000;
  const old = (r: StoredSubmission) => delivered(r) && Date.parse(r.updatedAt) < before;
  const candidates = new Set(records.filter(old).flatMap((r) => r.payload.photos.map((p) => p.sha256)));
  return forgetPhotos(
    candidates,
    s,
    records.filter((r) => !old(r)),
  );
}

/**
 * A kiosk's tidy-up, after each delivery: submissions the server has
 * received are deleted from the tablet with their photos, so that one
 * collecting thousands does not fill up and holds nothing of people already
 * served. Each record is checked again, in the deleting transaction, to
 * still be sent. Resolves to the number of submissions deleted.
 */
export async function forgetSent(s: Stores = defaultStores): Promise<number> {
  const { records, unreadable } = await readOutbox(s);
  if (unreadable.length) return 0;
  const sent = records.filter(delivered);
  if (sent.length === 0) return 0;
  // Photos first: should the page go in between, the records are still there, still sent, for the next time.
  await forgetPhotos(
    sent.flatMap((r) => r.payload.photos.map((p) => p.sha256)),
    s,
    records.filter((r) => !delivered(r)),
  );
  let deleted = 0;
  await s.submissions('readwrite', async (store) => {
    for (const r of sent) {
      const current = readStoredSubmission(await promisifyRequest(store.get(r.payload.id)));
      if (current && delivered(current)) {
        store.delete(r.payload.id);
        deleted++;
      }
    }
    return promisifyRequest(store.transaction);
  });
  return deleted;
}
