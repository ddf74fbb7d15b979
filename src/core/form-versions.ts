/**
 * Which version of a form the device starts. A draft keeps the version it
 * was started on, so these only decide what new drafts use.
 */
import type { FormDef, ReferenceData } from '../../shared/forms.js';

/** The newest version of each form that is not withdrawn, in the order the reference lists them. */
export function startableForms(reference: ReferenceData | null): FormDef[] {
  const newest = new Map<string, FormDef>();
  for (const f of reference?.forms ?? []) {
    if (f.withdrawn) continue;
    const seen = newest.get(f.id);
    if (!seen || f.version > seen.version) newest.set(f.id, f);
  }
  return [...newest.values()];
}

/** The version a new draft of form id uses: the newest not withdrawn, if any. */
export function startableVersion(reference: ReferenceData | null, id: string): FormDef | undefined {
  return startableForms(reference).find((f) => f.id === id);
}
