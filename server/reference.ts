import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { BaseMapConfig } from '../shared/base-map.js';
import { canonicalJson } from '../shared/canonical.js';
import type { FormDef, ReferenceData } from '../shared/forms.js';
import { validateFormDef } from '../shared/validate.js';
import { compressedOnce, type ContentEncoding } from './encoded-body.js';
import { byIdThenVersion, FormsDirError, keyOf, type FormsDir } from './forms-dir.js';
import type { PublishedForm, ReferenceRevision, Repository, RepositoryTx } from './storage/repository.js';

/** One revision of the reference data, as every server serves it while it is current. */
export interface Reference {
  revision: number;
  data: ReferenceData;
  /** The JSON body of GET /api/reference, exactly as recorded. */
  json: string;
  /** Strong ETag of json. */
  etag: string;
  publishedAt: string;
  publishedBy: string;
  /** A version this revision lists, withdrawn ones included. */
  form(id: string, version: number): FormDef | undefined;
  /** json compressed, made once per coding. */
  encoded(encoding: ContentEncoding): Promise<Buffer>;
}

export function etagOf(json: string): string {
  return `"${createHash('sha256').update(json).digest('base64url')}"`;
}

/** A recorded revision as served; its body is parsed unless the data is given. */
export function makeReference(row: ReferenceRevision, data?: ReferenceData): Reference {
  const parsed = data ?? (JSON.parse(row.body) as ReferenceData);
  const forms = new Map(parsed.forms.map((f) => [keyOf(f.id, f.version), f]));
  return {
    revision: row.revision,
    data: parsed,
    json: row.body,
    etag: row.etag,
    publishedAt: row.publishedAt,
    publishedBy: row.publishedBy,
    form: (id, version) => forms.get(keyOf(id, version)),
    encoded: compressedOnce(row.body),
  };
}

/** Versions before lists and does not (active, not withdrawn), by id then version. */
export function withdrawnIn(before: ReferenceData, after: ReferenceData): FormDef[] {
  const active = new Set(after.forms.filter((f) => !f.withdrawn).map((f) => keyOf(f.id, f.version)));
  return before.forms.filter((f) => !f.withdrawn && !active.has(keyOf(f.id, f.version)));
}

/** The revision in words for the log. */
export function describeRevision(r: Pick<Reference, 'revision' | 'publishedAt' | 'publishedBy'>): string {
  return `reference data revision ${r.revision} (published ${r.publishedAt} by ${r.publishedBy})`;
}

/**
 * Records each version of the directory the first time it is published;
 * throws FormsDirError when one already published has other content. Answers
 * every version published before.
 */
async function recordVersions(
  tx: RepositoryTx,
  dir: FormsDir,
  publishedAt: string,
): Promise<PublishedForm[]> {
  const published = await tx.listPublishedForms();
  const highest = new Map<string, number>();
  const note = (id: string, version: number) => highest.set(id, Math.max(highest.get(id) ?? 0, version));
  for (const p of published) note(p.formId, p.version);
  for (const f of dir.data.forms) note(f.id, f.version);
  for (const form of dir.data.forms) {
    const definition = canonicalJson(form);
    // Insert-if-absent: what was published first stands.
    const { stored } = await tx.insertPublishedForm({
      formId: form.id,
      version: form.version,
      definition,
      publishedAt,
    });
    if (stored.definition !== definition) {
      const next = (highest.get(form.id) ?? form.version) + 1;
      throw new FormsDirError(
        `${dir.file(form.id, form.version) ?? form.id}: form "${form.id}" version ${form.version} changed since it was published (${stored.publishedAt}); publish the change as version ${next} in a new file and put version ${form.version} back as it was.`,
      );
    }
  }
  return published;
}

/**
 * The directory's data with every version published before but no longer
 * in it, marked withdrawn: devices may still hold drafts and queued
 * submissions on it.
 */
function withWithdrawn(
  own: ReferenceData,
  published: PublishedForm[],
): { data: ReferenceData; warnings: string[] } {
  const active = new Set(own.forms.map((f) => keyOf(f.id, f.version)));
  const listed = [...own.forms];
  const warnings: string[] = [];
  for (const p of published) {
    if (active.has(keyOf(p.formId, p.version))) continue;
    const form: FormDef = { ...(JSON.parse(p.definition) as FormDef), withdrawn: true };
    // Choice lists are current ones: a withdrawn version naming a list since removed cannot be shown.
    const problems = validateFormDef(form, own.lists);
    if (problems.length === 0) listed.push(form);
    else
      warnings.push(`Withdrawn form "${p.formId}" version ${p.version} is not listed: ${problems.join(' ')}`);
  }
  return { data: { ...own, forms: listed.sort(byIdThenVersion) }, warnings };
}

export interface PublishOptions {
  now?: Date;
  /** The tile server of the map screen, sent with the reference data; none when null. */
  baseMap?: BaseMapConfig | null;
  /** Who publishes, for the log of every server: host, process and forms directory unless given. */
  publishedBy?: string;
}

export interface Published {
  /** The current revision: the one just recorded, or the same data already current. */
  reference: Reference;
  /** What this server's forms directory and settings make, withdrawn versions aside. */
  own: ReferenceData;
  /** True when a new revision was recorded. */
  changed: boolean;
  /** What the operator should know but that does not stop start-up. */
  warnings: string[];
}

/**
 * Publishes a forms directory for every server sharing the database: records
 * its versions (refusing, with FormsDirError and nothing recorded, a version
 * published before with other content: answers captured on it would silently
 * change meaning), and makes its forms, lists and settings, with every
 * version published before listed as withdrawn, the current revision. One
 * server at a time, in one transaction: of servers starting together, the
 * last to publish wins, whole, and sees what the others published. Data equal
 * to the current revision records nothing. Withdrawing versions that the
 * revision it replaces served is a warning: this server may have been
 * started with an older directory by mistake.
 */
export async function publishReference(
  dir: FormsDir,
  repo: Repository,
  { now = new Date(), baseMap = null, publishedBy }: PublishOptions = {},
): Promise<Published> {
  const publishedAt = now.toISOString();
  const own: ReferenceData = { ...dir.data, baseMap };
  return repo.withTransaction(async (tx) => {
    await tx.lockReferenceRevisions();
    const published = await recordVersions(tx, dir, publishedAt);
    const { data, warnings } = withWithdrawn(own, published);
    const json = JSON.stringify(data);
    const etag = etagOf(json);
    const head = await tx.currentReferenceHead();
    const previous = head && (await tx.getReferenceRevision(head.revision));
    if (previous?.etag === etag)
      return { reference: makeReference(previous, data), own, changed: false, warnings };
    if (previous) {
      const before = makeReference(previous);
      for (const f of withdrawnIn(before.data, data)) {
        warnings.push(
          `Form "${f.id}" version ${f.version}, served until now by every server as ${describeRevision(before)}, is not in this server's forms directory (${dir.dir}): it is withdrawn on every server from now on. Devices still finish and send what they hold on it. If this server was started with an older forms directory by mistake, start it again with the current one.`,
        );
      }
    }
    const row: ReferenceRevision = {
      revision: (head?.revision ?? 0) + 1,
      etag,
      body: json,
      publishedAt,
      publishedBy: publishedBy ?? `host ${hostname()}, process ${process.pid}, forms directory ${dir.dir}`,
    };
    const { inserted } = await tx.insertReferenceRevision(row);
    // Cannot happen under the lock; refused rather than served as if it had been recorded.
    if (!inserted)
      throw new Error(`Reference revision ${row.revision} was recorded by another server meanwhile.`);
    return { reference: makeReference(row, data), own, changed: true, warnings };
  });
}
