/**
 * How the reference data lies in IndexedDB. The choice lists (one has
 * 20,000 villages) are kept as JSON text: reading a string back is a copy,
 * whereas reading 20,000 objects rebuilds each of them on the main thread,
 * at every start, before the first form can be shown. Each list is parsed
 * when a screen first asks for it; the forms list and most forms never do.
 */
import type { Choice, ReferenceData } from '../../shared/forms.js';
import { isChoiceList, validateReference } from '../../shared/validate.js';

/** The stored record since lists are kept as text (schema 1 held them as objects). */
export interface ReferenceRecord {
  schema: 2;
  data: Omit<ReferenceData, 'lists'>;
  /** Each choice list's JSON text, by name. */
  lists: Record<string, string>;
  etag: string | null;
  checkedAt: string;
}

/** What a lazily parsed lists object keeps beside its lists. */
interface LazyState {
  /** The text it came from, so writing it back parses nothing. */
  texts: Record<string, string>;
  /** The lists parsed so far, by name. */
  parsed: Map<string, Choice[]>;
}

const lazy = new WeakMap<ReferenceData['lists'], LazyState>();

function unreadable(name: string): Choice[] {
  console.error(`The stored choice list "${name}" cannot be read: it is empty until the next refresh.`);
  return [];
}

/** A stored list's choices, or null when its text is not a choice list. Run in the page or a worker. */
export function parseChoiceList(text: string): Choice[] | null {
  try {
    const choices: unknown = JSON.parse(text);
    if (isChoiceList(choices)) return choices;
  } catch {
    // Not JSON: null, as for JSON that is not a list of choices.
  }
  return null;
}

function parseList(name: string, text: string): Choice[] {
  return parseChoiceList(text) ?? unreadable(name);
}

/** Lists that parse each one on first access, then keep it (the same array every time). */
export function lazyLists(raw: Record<string, string>): ReferenceData['lists'] {
  const lists: ReferenceData['lists'] = {};
  const state: LazyState = { texts: raw, parsed: new Map() };
  for (const [name, text] of Object.entries(raw)) {
    Object.defineProperty(lists, name, {
      enumerable: true,
      get: () => {
        let parsed = state.parsed.get(name);
        if (!parsed) state.parsed.set(name, (parsed = parseList(name, text)));
        return parsed;
      },
    });
  }
  lazy.set(lists, state);
  return lists;
}

/** The stored text of a list not parsed yet; undefined once parsed (or for lists held as objects). */
export function unparsedText(lists: ReferenceData['lists'], name: string): string | undefined {
  const state = lazy.get(lists);
  return state && !state.parsed.has(name) ? state.texts[name] : undefined;
}

/**
 * Takes a list parsed elsewhere (a worker) from its unparsedText; null when
 * that text was not a choice list. A list already parsed is kept as it is.
 */
export function adoptParsed(lists: ReferenceData['lists'], name: string, choices: Choice[] | null): void {
  const state = lazy.get(lists);
  if (state && !state.parsed.has(name)) state.parsed.set(name, choices ?? unreadable(name));
}

/** Above this much text a list is parsed off the main thread, after the screen around it is drawn. */
const PARSE_LATER_CHARS = 64 * 1024;

/** Whether reading this list now would parse a long text: the screen can show it a moment later instead. */
export function parseIsLong(lists: ReferenceData['lists'], name: string): boolean {
  return (unparsedText(lists, name)?.length ?? 0) > PARSE_LATER_CHARS;
}

/** The record to store for this data. */
export function toRecord(data: ReferenceData, etag: string | null, checkedAt: string): ReferenceRecord {
  const { lists, ...rest } = data;
  const text =
    lazy.get(lists)?.texts ??
    Object.fromEntries(Object.entries(lists).map(([name, choices]) => [name, JSON.stringify(choices)]));
  return { schema: 2, data: rest, lists: text, etag, checkedAt };
}

/**
 * The data of a stored record, or undefined when it is not usable. The
 * forms are checked now, against the lists' names; each list's choices
 * when it is parsed.
 */
export function fromRecord(raw: ReferenceRecord): ReferenceData | undefined {
  if (typeof raw.lists !== 'object' || raw.lists === null) return undefined;
  if (!Object.values(raw.lists).every((t) => typeof t === 'string')) return undefined;
  const names = Object.fromEntries(Object.keys(raw.lists).map((name) => [name, []]));
  if (validateReference({ ...raw.data, lists: names }).length) return undefined;
  return { ...raw.data, lists: lazyLists(raw.lists) };
}
