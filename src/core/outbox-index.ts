/**
 * The outbox at a glance, kept in memory for the page: a small copy of each
 * submission (OutboxEntry), loaded once and patched from the outbox's change
 * messages, whichever context wrote. The shell counts what waits from it and
 * the map screen draws from it, so neither reads ten thousand full records
 * (answers and all) again for every change or every visit.
 */
import { createContext } from '@lit/context';
import type { StoredSubmission, SubmissionStatus } from '../../shared/outbox.js';
import type { SubmissionChange } from '../../shared/messages.js';
import { nextTask } from './next-task.js';
import { onOutboxChange } from './outbox-events.js';
import type { Stores } from './stores.js';
import { getSubmissions, listSubmissions } from './submissions.js';

export interface OutboxEntry {
  id: string;
  formId: string;
  createdAt: string;
  status: SubmissionStatus;
  location: { lat: number; lon: number } | null;
  photos: { sha256: string; geotag: { lat: number; lon: number } | null }[];
  /** The server's refusal, for a rejected submission. */
  rejection: string | null;
  /** Why the last try failed. */
  lastError: string | null;
}

export function toOutboxEntry(s: StoredSubmission): OutboxEntry {
  const p = s.payload;
  return {
    id: p.id,
    formId: p.formId,
    createdAt: p.createdAt,
    status: s.status,
    location: p.location ? { lat: p.location.lat, lon: p.location.lon } : null,
    photos: p.photos.map((ph) => ({
      sha256: ph.sha256,
      geotag: ph.geotag ? { lat: ph.geotag.lat, lon: ph.geotag.lon } : null,
    })),
    rejection: s.status === 'rejected' ? (s.rejection?.message ?? null) : null,
    lastError: s.lastError,
  };
}

/** The shell's index, for the screens that show the whole outbox. */
export const outboxIndexContext = createContext<OutboxIndex | undefined>(Symbol('fieldsync-outbox-index'));

/** Which entries changed: their ids, or null when all were read again. */
export type OutboxIndexChange = CustomEvent<{ ids: string[] | null }>;

export class OutboxIndex extends EventTarget {
  private readonly entries = new Map<string, OutboxEntry>();
  private list: OutboxEntry[] | null = null;
  /** Ids changed since they were last read; `everything` when a change named none. */
  private readonly stale = new Set<string>();
  private everything = false;
  /** Ids whose change was applied from its message alone, not yet announced. */
  private readonly patched = new Set<string>();
  /** Ids being read now; null while everything is. A change to one of them is read again after. */
  private reading: ReadonlySet<string> | null = new Set();
  private catchingUp: Promise<void> | null = null;
  private loaded = false;
  private loading: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly stores: Stores) {
    super();
  }

  /**
   * Starts hearing changes. Call before the first read of the outbox, so a
   * change between that read and load() is read again, not missed.
   */
  listen(): void {
    this.unsubscribe ??= onOutboxChange((c: SubmissionChange) => {
      if (c.id === null) this.everything = true;
      else if (!this.patchFromMessage(c.id, c.status)) this.stale.add(c.id);
      this.catchUp();
    });
  }

  /**
   * Fills the index, from records just read by the caller or by reading them
   * here. Once: later calls resolve with the first, or try again if it failed.
   */
  load(records?: readonly StoredSubmission[]): Promise<void> {
    this.listen();
    this.loading ??= (async () => {
      const all = records ?? (await listSubmissions(this.stores));
      for (const s of all) this.entries.set(s.payload.id, toOutboxEntry(s));
      this.loaded = true;
      this.catchUp();
    })().catch((e: unknown) => {
      this.loading = null;
      throw e;
    });
    return this.loading;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Every submission on the device, in no particular order; the same array until something changes. */
  all(): readonly OutboxEntry[] {
    this.list ??= [...this.entries.values()];
    return this.list;
  }

  get(id: string): OutboxEntry | undefined {
    return this.entries.get(id);
  }

  /**
   * A sender's two writes change nothing the index holds but the status:
   * "sending" only marks the record, and "sent" also clears the last error
   * (src/core/sender.ts). Those are taken from the message, without a read;
   * a draining outbox sends two for each submission.
   */
  private patchFromMessage(id: string, status: SubmissionChange['status']): boolean {
    const entry = this.entries.get(id);
    if (!this.loaded || !entry || !this.reading || this.reading.has(id)) return false;
    if (status === 'sending') this.entries.set(id, { ...entry, status });
    else if (status === 'sent') this.entries.set(id, { ...entry, status, lastError: null, rejection: null });
    else return false;
    this.list = null;
    this.patched.add(id);
    return true;
  }

  /** Reads what changed, one read at a time, gathering the changes that arrive meanwhile. */
  private catchUp(): void {
    if (!this.loaded || this.catchingUp) return;
    this.catchingUp = (async () => {
      // Changes come in bursts (a drain, a batch write): let this one finish arriving.
      await nextTask();
      while (this.everything || this.stale.size || this.patched.size) {
        const ids = this.everything ? null : [...this.stale];
        const patched = [...this.patched];
        this.everything = false;
        this.stale.clear();
        this.patched.clear();
        this.reading = ids && new Set(ids);
        try {
          if (!ids) this.replace(await listSubmissions(this.stores));
          else if (ids.length) this.patch(ids, await getSubmissions(ids, this.stores));
        } catch (e) {
          // Read again at the next change; until then the index shows what it last knew.
          console.error('The outbox could not be read for its index', e);
          if (ids) for (const id of ids) this.stale.add(id);
          else this.everything = true;
          for (const id of patched) this.patched.add(id);
          break;
        } finally {
          this.reading = new Set();
        }
        this.list = null;
        const changed = ids && [...new Set([...ids, ...patched])];
        this.dispatchEvent(
          new CustomEvent('change', { detail: { ids: changed } }) satisfies OutboxIndexChange,
        );
      }
      this.catchingUp = null;
    })();
  }

  private patch(ids: readonly string[], read: readonly (StoredSubmission | undefined)[]): void {
    ids.forEach((id, i) => {
      const s = read[i];
      if (s) this.entries.set(id, toOutboxEntry(s));
      else this.entries.delete(id);
    });
  }

  private replace(all: readonly StoredSubmission[]): void {
    this.entries.clear();
    for (const s of all) this.entries.set(s.payload.id, toOutboxEntry(s));
  }
}
