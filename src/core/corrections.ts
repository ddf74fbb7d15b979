/** Re-opening a rejected submission so the user can fix what the server refused. */
import { get } from 'idb-keyval';
import type { Draft } from '../../shared/outbox.js';
import { putDraft, readDraft } from './drafts.js';
import { defaultStores, type Stores } from './stores.js';
import { getSubmission } from './submissions.js';

/**
 * Makes a draft from a rejected submission, with the same id, so saving it
 * queues the corrected submission in place of the rejected one. An existing
 * correction draft is kept, not overwritten: it holds the user's edits.
 */
export async function openCorrection(id: string, s: Stores = defaultStores): Promise<Draft> {
  const existing = readDraft(await get(id, s.drafts));
  if (existing) return existing;
  const sub = await getSubmission(id, s);
  if (!sub) throw new Error('This submission is no longer on the device.');
  if (sub.status !== 'rejected') throw new Error('Only a rejected submission can be corrected.');
  const draft: Draft = {
    schema: 1,
    id,
    formId: sub.payload.formId,
    formVersion: sub.payload.formVersion,
    answers: structuredClone(sub.payload.answers),
    updatedAt: new Date().toISOString(),
    correcting: true,
  };
  await putDraft(draft, s);
  return draft;
}
