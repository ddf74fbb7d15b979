import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BaseMapConfig } from '../shared/base-map.js';
import { canonicalJson } from '../shared/canonical.js';
import type { Choice, FormDef, ReferenceData } from '../shared/forms.js';
import { validateFormDef, validateReference } from '../shared/validate.js';
import type { Repository } from './storage/repository.js';

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
  /** Looks up the exact version a submission names, withdrawn ones included. */
  form(id: string, version: number): FormDef | undefined;
  /** The file a version was read from; undefined for a withdrawn version. */
  file(id: string, version: number): string | undefined;
  /** Every version known for a form id, withdrawn ones included, lowest first. */
  versions(id: string): number[];
  /** What the operator should know but that does not stop start-up. */
  warnings: string[];
}

const keyOf = (id: string, version: number): string => `${id}@${version}`;

function makeReference(
  data: ReferenceData,
  known: ReadonlyMap<string, FormDef>,
  files: ReadonlyMap<string, string>,
  warnings: string[] = [],
): Reference {
  const json = JSON.stringify(data);
  const etag = `"${createHash('sha256').update(json).digest('base64url')}"`;
  return {
    data,
    json,
    etag,
    form: (id, version) => known.get(keyOf(id, version)),
    file: (id, version) => files.get(keyOf(id, version)),
    versions: (id) =>
      [...known.values()]
        .filter((f) => f.id === id)
        .map((f) => f.version)
        .sort((a, b) => a - b),
    warnings,
  };
}

const byIdThenVersion = (a: FormDef, b: FormDef): number => a.id.localeCompare(b.id) || a.version - b.version;

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
  return makeReference(data, forms, sources);
}

/**
 * Records each version in the forms directory the first time the server
 * serves it, and brings back every version published before but no longer
 * in the directory, marked withdrawn: devices may still hold drafts and
 * queued submissions on it. Throws FormsDirError, recording nothing, when a
 * version already published now has different content, because answers
 * captured on it would silently change meaning.
 */
export async function publishReference(
  loaded: Reference,
  repo: Repository,
  now: Date = new Date(),
  baseMap: BaseMapConfig | null = null,
): Promise<Reference> {
  // Read and recorded in one transaction: a second server starting on the same
  // data sees either none or all of these versions.
  const published = await repo.withTransaction(async (tx) => {
    const published = await tx.listPublishedForms();
    const highest = new Map<string, number>();
    const note = (id: string, version: number) => highest.set(id, Math.max(highest.get(id) ?? 0, version));
    for (const p of published) note(p.formId, p.version);
    for (const f of loaded.data.forms) note(f.id, f.version);
    for (const form of loaded.data.forms) {
      const definition = canonicalJson(form);
      // Insert-if-absent: what was published first, here or by a server starting beside this one, stands.
      const { stored } = await tx.insertPublishedForm({
        formId: form.id,
        version: form.version,
        definition,
        publishedAt: now.toISOString(),
      });
      if (stored.definition !== definition) {
        const next = (highest.get(form.id) ?? form.version) + 1;
        throw new FormsDirError(
          `${loaded.file(form.id, form.version) ?? form.id}: form "${form.id}" version ${form.version} changed since it was published (${stored.publishedAt}); publish the change as version ${next} in a new file and put version ${form.version} back as it was.`,
        );
      }
    }
    return published;
  });

  const known = new Map<string, FormDef>();
  for (const form of loaded.data.forms) known.set(keyOf(form.id, form.version), form);
  const listed = [...loaded.data.forms];
  const warnings: string[] = [];
  for (const p of published) {
    const key = keyOf(p.formId, p.version);
    if (known.has(key)) continue;
    const form: FormDef = { ...(JSON.parse(p.definition) as FormDef), withdrawn: true };
    known.set(key, form);
    // Choice lists are current ones: a withdrawn version naming a list since removed cannot be shown.
    const problems = validateFormDef(form, loaded.data.lists);
    if (problems.length === 0) {
      listed.push(form);
    } else {
      warnings.push(`Withdrawn form "${p.formId}" version ${p.version} is not listed: ${problems.join(' ')}`);
    }
  }
  const data: ReferenceData = { ...loaded.data, forms: listed.sort(byIdThenVersion), baseMap };
  return makeReference(data, known, filesOf(loaded), warnings);
}

function filesOf(loaded: Reference): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of loaded.data.forms) {
    const file = loaded.file(f.id, f.version);
    if (file) files.set(keyOf(f.id, f.version), file);
  }
  return files;
}
