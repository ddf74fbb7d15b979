import type { FormDef, ReferenceData } from '../shared/forms.js';
import { keyOf } from './forms-dir.js';
import { describeRevision, makeReference, withdrawnIn, type Published, type Reference } from './reference.js';
import type { Repository, RepositoryTx } from './storage/repository.js';

/** Where the server tells the operator what happened; Fastify's logger is one. */
export interface ReferenceLog {
  info(message: string): void;
  warn(message: string): void;
}

/** What the operator of this server should know about a revision another server published. */
function differences(own: ReferenceData, now: Reference): string[] {
  const by = describeRevision(now);
  const warnings = withdrawnIn(own, now.data).map(
    (f) =>
      `Form "${f.id}" version ${f.version} of this server's forms directory is withdrawn by ${by}: the servers were started with different forms directories, and the last one started decides what all of them serve. Start the servers with the same forms directory.`,
  );
  const settings = (d: ReferenceData) => JSON.stringify([d.staleAfterHours ?? null, d.baseMap ?? null]);
  if (settings(own) !== settings(now.data)) {
    warnings.push(
      `${by} has other settings than this server (REFERENCE_STALE_AFTER_HOURS, MAP_TILE_URL and its companions): give every server the same, or this server's Content-Security-Policy may refuse the map its tiles.`,
    );
  }
  return warnings;
}

/**
 * The reference data this server serves: always the current revision in the
 * database, whichever server published it, so that every server sharing the
 * database answers with the same body and ETag. Each use reads the current
 * revision's number and ETag (one indexed read); the body of a new revision
 * is read and parsed once, however many requests ask for it at once, and
 * compressed once per coding. Published form versions never change, so every
 * one met is kept.
 */
export class CurrentReference {
  readonly #repo: Repository;
  readonly #own: ReferenceData;
  readonly #log: ReferenceLog;
  #served: Reference;
  /** Which read of the head #served answers: an older read finishing late never replaces a newer one. */
  #servedRead = 0;
  #reads = 0;
  readonly #loading = new Map<number, Promise<Reference>>();
  readonly #forms = new Map<string, FormDef>();

  /** Serves what publishReference made current at start-up until another server publishes. */
  constructor(repo: Repository, published: Published, log: ReferenceLog) {
    this.#repo = repo;
    this.#own = published.own;
    this.#log = log;
    this.#served = published.reference;
  }

  /**
   * The current revision. Call it outside any transaction: a transaction
   * must never wait for a read another request started on the repository.
   */
  async current(): Promise<Reference> {
    const read = ++this.#reads;
    const head = await this.#repo.currentReferenceHead();
    if (!head)
      throw new Error('No reference data is published: every server publishes its forms at start-up.');
    if (head.etag === this.#served.etag) return this.#served;
    const reference = await this.#load(head.revision);
    if (read > this.#servedRead) {
      const replaced = this.#served;
      this.#served = reference;
      this.#servedRead = read;
      if (reference.etag !== replaced.etag) this.#changed(reference);
    }
    return reference;
  }

  /**
   * A version as first published, whether or not the current revision lists
   * it: one another server published, or one withdrawn and left unlisted.
   * Undefined when no server ever published it.
   */
  async published(tx: RepositoryTx, id: string, version: number): Promise<FormDef | undefined> {
    const key = keyOf(id, version);
    const known = this.#forms.get(key);
    if (known) return known;
    const row = await tx.getPublishedForm(id, version);
    if (!row) return undefined;
    const form = JSON.parse(row.definition) as FormDef;
    this.#forms.set(key, form);
    return form;
  }

  /** Every version of a form any server has published, lowest first. */
  async versions(tx: RepositoryTx, id: string): Promise<number[]> {
    return (await tx.listPublishedForms()).filter((f) => f.formId === id).map((f) => f.version);
  }

  #load(revision: number): Promise<Reference> {
    let loading = this.#loading.get(revision);
    if (!loading) {
      loading = this.#repo
        .getReferenceRevision(revision)
        .then((row) => {
          if (!row) throw new Error(`Reference revision ${revision} is not in the database.`);
          return makeReference(row);
        })
        .finally(() => this.#loading.delete(revision));
      this.#loading.set(revision, loading);
    }
    return loading;
  }

  #changed(now: Reference): void {
    this.#log.info(`Now serving ${describeRevision(now)}.`);
    for (const warning of differences(this.#own, now)) this.#log.warn(warning);
  }
}
