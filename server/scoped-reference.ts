import { createHash } from 'node:crypto';
import type { ReferenceData } from '../shared/forms.js';
import { compressedOnce, type ContentEncoding } from './encoded-body.js';
import type { Reference } from './reference.js';

/** A body of GET /api/reference as served: the whole revision, or the part a caller may see. */
export interface ServedReference {
  json: string;
  /** Strong ETag of json. */
  etag: string;
  /** json compressed, made once per coding. */
  encoded(encoding: ContentEncoding): Promise<Buffer>;
}

/** Form sets remembered per revision: one per distinct set among the devices and supervisors. */
const MAX_SETS = 200;

/**
 * The reference data of a revision cut down to some forms: their versions
 * (withdrawn ones too) and the choice lists they use; the settings as they
 * are. Its ETag is the revision's with a mark of the form set, so it
 * changes with either and still tells which revision it came from.
 */
function scoped(reference: Reference, formIds: readonly string[], key: string): ServedReference {
  const ids = new Set(formIds);
  const forms = reference.data.forms.filter((f) => ids.has(f.id));
  const used = new Set(forms.flatMap((f) => f.fields.flatMap((field) => field.choiceList ?? [])));
  const lists = Object.fromEntries(Object.entries(reference.data.lists).filter(([name]) => used.has(name)));
  const data: ReferenceData = { ...reference.data, forms, lists };
  const json = JSON.stringify(data);
  const mark = createHash('sha256').update(key).digest('base64url').slice(0, 16);
  return { json, etag: `${reference.etag.slice(0, -1)}.${mark}"`, encoded: compressedOnce(json) };
}

/**
 * The bodies of GET /api/reference for callers limited to some forms, made
 * once per revision and form set, then served as they are, as the whole
 * revision is. A new revision drops those of the one before.
 */
export class ScopedReferences {
  #etag: string | null = null;
  readonly #bodies = new Map<string, ServedReference>();

  /** The body for these forms (null: every form, the revision itself). */
  for(reference: Reference, formIds: readonly string[] | null): ServedReference {
    if (formIds === null) return reference;
    if (reference.etag !== this.#etag) {
      this.#bodies.clear();
      this.#etag = reference.etag;
    }
    const key = [...new Set(formIds)].sort().join('\n');
    let body = this.#bodies.get(key);
    if (!body) {
      body = scoped(reference, formIds, key);
      // The oldest set goes first: a map keeps the order of insertion.
      if (this.#bodies.size >= MAX_SETS) this.#bodies.delete(this.#bodies.keys().next().value ?? '');
      this.#bodies.set(key, body);
    }
    return body;
  }
}
