/**
 * Answers as exports write them: choice codes with their labels (the
 * choices the form and the server's validation read, shared/validate.ts),
 * photos as links, positions as numbers. Lookups are indexed once per export: a choice list may hold
 * 20,000 villages and an export 100,000 rows.
 */
import type { FieldDef, FormDef, ReferenceData } from '../../shared/forms.js';
import type { AnswerValue, PhotoType, SubmissionPayload } from '../../shared/submission.js';
import { choicesFor } from '../../shared/validate.js';
import type { CurrentReference } from '../current-reference.js';
import type { Repository } from '../storage/repository.js';

/** How a photo is named in an export: a link to the server, or a file inside the ZIP. */
export type PhotoName = (sha256: string, type: PhotoType) => string;

/** The link to a photo on this server (GET /api/photos/{sha256}), from the request's origin. */
export function photoLink(origin: string): PhotoName {
  return (sha256) => new URL(`/api/photos/${sha256}`, origin).href;
}

const EXTENSIONS: Record<PhotoType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/** A photo's file inside an export's ZIP. */
export const photoFile: PhotoName = (sha256, type) => `photos/${sha256}.${EXTENSIONS[type]}`;

/** A choice answer's codes: one for select_one, any number for select_multiple. */
export function codesOf(value: AnswerValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value : [];
}

/** The photo answer's files, named by name, in the order answered. */
export function photoNames(
  payload: SubmissionPayload,
  value: AnswerValue | undefined,
  name: PhotoName,
): string[] {
  return codesOf(value).map((sha256) => {
    const ref = payload.photos.find((p) => p.sha256 === sha256);
    return name(sha256, ref?.type ?? 'image/jpeg');
  });
}

/** Each form version's fields by name, and each choice field's labels by code, made on first use. */
export class AnswerLabels {
  readonly #reference: Pick<ReferenceData, 'lists'>;
  readonly #fields = new WeakMap<FormDef, Map<string, FieldDef>>();
  readonly #labels = new WeakMap<FieldDef, Map<string, string>>();

  /** With the choice lists of the current reference data (a list changed since capture reads as it is now). */
  constructor(reference: Pick<ReferenceData, 'lists'>) {
    this.#reference = reference;
  }

  field(form: FormDef | undefined, name: string): FieldDef | undefined {
    if (!form) return undefined;
    let byName = this.#fields.get(form);
    if (!byName) {
      byName = new Map(form.fields.map((f) => [f.name, f]));
      this.#fields.set(form, byName);
    }
    return byName.get(name);
  }

  /** A code's label in the field's choices; the code itself when no choice has it. */
  label(field: FieldDef | undefined, code: string): string {
    if (!field) return code;
    let byCode = this.#labels.get(field);
    if (!byCode) {
      byCode = new Map(choicesFor(field, this.#reference.lists).map((c) => [c.value, c.label]));
      this.#labels.set(field, byCode);
    }
    return byCode.get(code) ?? code;
  }

  /** The labels of a choice answer, in the order of its codes. */
  labels(form: FormDef | undefined, name: string, value: AnswerValue | undefined): string[] {
    const field = this.field(form, name);
    return codesOf(value).map((code) => this.label(field, code));
  }
}

/** Form versions by id and version, read once per export (a GeoJSON export may span forms). */
export class ExportForms {
  readonly #repo: Repository;
  readonly #reference: CurrentReference;
  readonly #known = new Map<string, FormDef | undefined>();

  constructor(repo: Repository, reference: CurrentReference, known: FormDef[] = []) {
    this.#repo = repo;
    this.#reference = reference;
    for (const f of known) this.#known.set(`${f.id}\n${f.version}`, f);
  }

  async get(id: string, version: number): Promise<FormDef | undefined> {
    const key = `${id}\n${version}`;
    if (!this.#known.has(key)) this.#known.set(key, await this.#reference.published(this.#repo, id, version));
    return this.#known.get(key);
  }
}
