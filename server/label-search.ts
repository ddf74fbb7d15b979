/**
 * Searching answers by what the review table shows: a choice answer is
 * stored as its code ("vlg_00001"), but the reviewer reads, and types, its
 * label ("Abubuya Central"). The codes whose labels hold the text are
 * searched for beside the text itself.
 */
import type { ReferenceData } from '../shared/forms.js';
import type { CurrentReference } from './current-reference.js';

/** The choice codes whose labels contain the text. */
export type LabelCodes = (text: string) => string[];

/** More codes than this, and the text is too common a part of labels to narrow anything: only text is searched. */
export const MAX_LABEL_CODES = 200;

interface Labelled {
  code: string;
  label: string;
}

// Built once per revision of the reference data (the village list alone has 20,000 choices).
const indexes = new WeakMap<ReferenceData, Labelled[]>();

function indexOf(data: ReferenceData): Labelled[] {
  let index = indexes.get(data);
  if (!index) {
    const seen = new Map<string, Labelled>();
    const add = (code: string, label: string) =>
      seen.set(`${code}\u0000${label}`, { code, label: label.toLowerCase() });
    for (const form of data.forms)
      for (const field of form.fields) for (const c of field.choices ?? []) add(c.value, c.label);
    for (const list of Object.values(data.lists)) for (const c of list) add(c.value, c.label);
    index = [...seen.values()];
    indexes.set(data, index);
  }
  return index;
}

/** The codes whose labels contain text, case-insensitive; none when there are more than MAX_LABEL_CODES. */
export function codesLabelled(data: ReferenceData, text: string): string[] {
  const wanted = text.toLowerCase();
  const codes = new Set<string>();
  for (const { code, label } of indexOf(data)) {
    if (!label.includes(wanted)) continue;
    codes.add(code);
    if (codes.size > MAX_LABEL_CODES) return [];
  }
  return [...codes];
}

const NO_LABELS: LabelCodes = () => [];

/**
 * The lookup for a search over the current reference data; read (a
 * database round trip) only when there is text to search for.
 */
export async function labelCodesFor(
  reference: CurrentReference,
  text: string | undefined,
): Promise<LabelCodes> {
  if (!text?.trim()) return NO_LABELS;
  const { data } = await reference.current();
  return (t) => codesLabelled(data, t);
}
