import { createHash } from 'node:crypto';
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

export interface Reference {
  data: ReferenceData;
  /** The JSON body of GET /api/reference, serialized once. */
  json: string;
  /** Strong ETag of json. */
  etag: string;
  /** Looks up the exact version a submission names. */
  form(id: string, version: number): FormDef | undefined;
}

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
 * Reads a forms directory: each *.json directly in it is a FormDef, each
 * lists/*.json is a choice list named after its file. Throws FormsDirError
 * on the first file with a problem, so a broken deployment stops at once
 * instead of refusing submissions later.
 */
export function loadReference(formsDir: string): Reference {
  if (!existsSync(formsDir) || !statSync(formsDir).isDirectory()) {
    throw new FormsDirError(`${formsDir}: the forms directory does not exist.`);
  }
  const lists: Record<string, Choice[]> = {};
  const listsDir = join(formsDir, 'lists');
  if (existsSync(listsDir)) {
    for (const name of jsonFiles(listsDir)) {
      const file = join(listsDir, name);
      const list = readJson(file);
      const listName = basename(name, '.json');
      if (!Array.isArray(list)) throw new FormsDirError(`${file}: a choice list must be a JSON array.`);
      const problems = validateReference({ forms: [], lists: { [listName]: list } });
      if (problems.length > 0) throw new FormsDirError(`${file}: ${problems.join(' ')}`);
      lists[listName] = list as Choice[];
    }
  }

  const forms = new Map<string, FormDef>();
  const sources = new Map<string, string>();
  for (const name of jsonFiles(formsDir)) {
    const file = join(formsDir, name);
    const def = readJson(file);
    const problems = validateFormDef(def, lists);
    if (problems.length > 0) throw new FormsDirError(`${file}: ${problems.join(' ')}`);
    const form = def as FormDef;
    const key = `${form.id}@${form.version}`;
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
    forms: [...forms.values()].sort((a, b) => a.id.localeCompare(b.id) || a.version - b.version),
    lists: Object.fromEntries(Object.entries(lists).sort(([a], [b]) => a.localeCompare(b))),
  };
  // The same check the device runs before replacing its copy: what we serve must pass it.
  const problems = validateReference(data);
  if (problems.length > 0) throw new FormsDirError(`${formsDir}: ${problems.join(' ')}`);
  const json = JSON.stringify(data);
  const etag = `"${createHash('sha256').update(json).digest('base64url')}"`;
  return { data, json, etag, form: (id, version) => forms.get(`${id}@${version}`) };
}
