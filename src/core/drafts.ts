/** Unfinished forms, saved as the user types so that a reload or a crash loses nothing. */
import { del, get, set, values } from 'idb-keyval';
import type { Draft } from '../../shared/outbox.js';
import { isEmpty } from '../../shared/validate.js';
import { newestFirst } from './newest-first.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';

/** Reads a stored draft of any schema this app ever wrote; null if it is not one. */
export function readDraft(raw: unknown): Draft | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const d = raw as Partial<Draft>;
  if (d.schema !== 1 || typeof d.id !== 'string' || typeof d.formId !== 'string') return null;
  if (typeof d.formVersion !== 'number' || typeof d.answers !== 'object' || d.answers === null) return null;
  return {
    schema: 1,
    id: d.id,
    formId: d.formId,
    formVersion: d.formVersion,
    answers: d.answers,
    updatedAt: typeof d.updatedAt === 'string' ? d.updatedAt : new Date(0).toISOString(),
    correcting: d.correcting === true,
    ...(typeof d.correctionOf === 'string' ? { correctionOf: d.correctionOf } : {}),
  };
}

export async function putDraft(draft: Draft, s: Stores = defaultStores): Promise<void> {
  await guardQuota(() => set(draft.id, draft, s.drafts));
}

export async function getDraft(id: string, s: Stores = defaultStores): Promise<Draft | undefined> {
  return readDraft(await get(id, s.drafts)) ?? undefined;
}

/** Every readable draft, most recently edited first. */
export async function listDrafts(s: Stores = defaultStores): Promise<Draft[]> {
  const all = (await values(s.drafts)).map(readDraft).filter((d) => d !== null);
  return all.sort((a, b) => newestFirst(a.updatedAt, b.updatedAt));
}

export function deleteDraft(id: string, s: Stores = defaultStores): Promise<void> {
  return del(id, s.drafts);
}

/**
 * A draft with nothing in it (the form was opened, then the app closed or
 * crashed): not worth keeping or listing. A correction is never blank: it
 * stands for a rejected submission.
 */
export function isBlankDraft(d: Draft): boolean {
  return !d.correcting && !d.correctionOf && Object.values(d.answers).every((v) => isEmpty(v));
}
