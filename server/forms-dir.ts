import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Choice, FormDef, ReferenceData } from '../shared/forms.js';
import { validateFormDef, validateReference } from '../shared/validate.js';

/** A forms directory the server cannot start with; the message names the file and the problem. */
export class FormsDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormsDirError';
  }
}

/** What a forms directory holds, checked: the versions it publishes and the choice lists. */
export interface FormsDir {
  /** Where it was read from. */
  dir: string;
  /** Its forms (none withdrawn) by id then version, its lists by name, and staleAfterHours. */
  data: ReferenceData;
  /** The file a version was read from. */
  file(id: string, version: number): string | undefined;
}

export const keyOf = (id: string, version: number): string => `${id}@${version}`;

export const byIdThenVersion = (a: FormDef, b: FormDef): number =>
  a.id.localeCompare(b.id) || a.version - b.version;

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FormsDirError(`${file}: cannot be read (${(err as Error).message}).`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FormsDirError(`${file}: is not valid JSON (${(err as Error).message}).`);
  }
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => e.name)
    .sort();
}

/**
 * Hours after which devices warn that their copy of the reference data may be
 * out of date: REFERENCE_STALE_AFTER_HOURS, 72 unless set. A bad value stops
 * start-up rather than silently warning too early or never.
 */
export function staleAfterHours(env: Record<string, string | undefined> = process.env): number {
  const v = env.REFERENCE_STALE_AFTER_HOURS?.trim();
  if (!v) return 72;
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    throw new FormsDirError(
      `REFERENCE_STALE_AFTER_HOURS must be a whole number of hours (1 or more), not "${v}".`,
    );
  }
  return Number(v);
}

function loadLists(formsDir: string): Record<string, Choice[]> {
  const lists: Record<string, Choice[]> = {};
  const listsDir = join(formsDir, 'lists');
  if (!existsSync(listsDir)) return lists;
  for (const name of jsonFiles(listsDir)) {
    const file = join(listsDir, name);
    const list = readJson(file);
    const listName = basename(name, '.json');
    if (!Array.isArray(list)) throw new FormsDirError(`${file}: a choice list must be a JSON array.`);
    const problems = validateReference({ forms: [], lists: { [listName]: list } });
    if (problems.length > 0) throw new FormsDirError(`${file}: ${problems.join(' ')}`);
    lists[listName] = list as Choice[];
  }
  return lists;
}

/**
 * Reads a forms directory: each *.json directly in it is a FormDef, each
 * lists/*.json is a choice list named after its file. Throws FormsDirError
 * on the first file with a problem, so a broken deployment stops at once
 * instead of refusing submissions later.
 */
export function loadFormsDir(formsDir: string): FormsDir {
  if (!existsSync(formsDir) || !statSync(formsDir).isDirectory()) {
    throw new FormsDirError(`${formsDir}: the forms directory does not exist.`);
  }
  const lists = loadLists(formsDir);
  const forms = new Map<string, FormDef>();
  const sources = new Map<string, string>();
  for (const name of jsonFiles(formsDir)) {
    const file = join(formsDir, name);
    const def = readJson(file);
    const problems = validateFormDef(def, lists);
    if (problems.length > 0) throw new FormsDirError(`${file}: ${problems.join(' ')}`);
    const form = def as FormDef;
    if (form.withdrawn !== undefined) {
      throw new FormsDirError(
        `${file}: "withdrawn" is set by the server; to withdraw a version, remove its file.`,
      );
    }
    const key = keyOf(form.id, form.version);
    const earlier = sources.get(key);
    if (earlier) {
      throw new FormsDirError(
        `${file}: form "${form.id}" version ${form.version} is also defined in ${earlier}.`,
      );
    }
    forms.set(key, form);
    sources.set(key, file);
  }
  if (forms.size === 0) throw new FormsDirError(`${formsDir}: the forms directory holds no form (*.json).`);

  const data: ReferenceData = {
    forms: [...forms.values()].sort(byIdThenVersion),
    lists: Object.fromEntries(Object.entries(lists).sort(([a], [b]) => a.localeCompare(b))),
    staleAfterHours: staleAfterHours(),
  };
  // The same check the device runs before replacing its copy: what we serve must pass it.
  const problems = validateReference(data);
  if (problems.length > 0) throw new FormsDirError(`${formsDir}: ${problems.join(' ')}`);
  return { dir: formsDir, data, file: (id, version) => sources.get(keyOf(id, version)) };
}
