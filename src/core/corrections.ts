/**
 * Re-opening a submission to fix it: one the server refused (the same id,
 * sent in its place), or one a reviewer returned after the server took it
 * (a new submission linked to the original, which stays as it was).
 */
import { get, values } from 'idb-keyval';
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

/**
 * The draft correcting a submission a reviewer returned: the one already
 * started, or a new one with its answers and photos, a new id, and
 * correctionOf naming the original.
 */
export async function openReturnedCorrection(originalId: string, s: Stores = defaultStores): Promise<Draft> {
  const started = (await values(s.drafts)).map(readDraft).find((d) => d?.correctionOf === originalId);
  if (started) return started;
  const sub = await getSubmission(originalId, s);
  if (!sub) throw new Error('This submission is no longer on the device.');
  if (sub.status !== 'sent')
    throw new Error('Only a submission the server holds can be returned for a correction.');
  const draft: Draft = {
    schema: 1,
    id: crypto.randomUUID(),
    formId: sub.payload.formId,
    formVersion: sub.payload.formVersion,
    answers: structuredClone(sub.payload.answers),
    updatedAt: new Date().toISOString(),
    correcting: false,
    correctionOf: originalId,
  };
  await putDraft(draft, s);
  return draft;
}
