/**
 * The draft of a form being filled in: its answers, kept on the device as
 * the user types (a moment after the last edit, and at once when the page
 * is hidden or left), so that a reload, a crash or a closed tab loses
 * nothing. A kiosk keeps nothing: its answers live only in memory and go
 * with the person who typed them.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Draft } from '../../shared/outbox.js';
import type { Answers } from '../../shared/submission.js';
import { isEmpty } from '../../shared/validate.js';
import { deleteDraft, putDraft } from '../core/drafts.js';
import { defaultStores, type Stores } from '../core/stores.js';

/** Edits are written to the draft store this long after the last one. */
const SAVE_DELAY_MS = 300;

export function answerCount(answers: Answers): number {
  return Object.values(answers).filter((v) => !isEmpty(v)).length;
}

export interface DraftOptions {
  /** The first time a new draft is stored (the address can now name it). */
  onFirstStored?(draft: Draft): void;
  /** Each time edits are stored. */
  onStored?(draft: Draft): void;
}

export class DraftController implements ReactiveController {
  draft: Draft | null = null;
  answers: Answers = {};
  /** When the latest edits were stored; null before the first. */
  savedAt: string | null = null;
  /** Why the latest edits could not be stored; the next edit tries again. */
  error: string | null = null;
  /** Whether edits are stored at all: false on a kiosk. */
  persist = true;
  stores: Stores = defaultStores;

  private timer: ReturnType<typeof setTimeout> | undefined;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  /** The draft is stored and its address given out. */
  private announced = false;
  /** This controller started the draft and handed it to another at its own address. */
  private handedOff = false;
  /** Saved or discarded: nothing more is written. */
  private closed = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly options: DraftOptions = {},
  ) {
    host.addController(this);
  }

  private readonly onPageHide = () => void this.flush();
  private readonly onVisibility = () => {
    if (document.visibilityState === 'hidden') void this.flush();
  };

  hostConnected(): void {
    addEventListener('pagehide', this.onPageHide);
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  hostDisconnected(): void {
    removeEventListener('pagehide', this.onPageHide);
    document.removeEventListener('visibilitychange', this.onVisibility);
    void this.leave();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Forgets the draft in hand (its pending edits are written first, unless closed). */
  reset(): void {
    void this.flush();
    clearTimeout(this.timer);
    this.draft = null;
    this.answers = {};
    this.savedAt = null;
    this.error = null;
    this.dirty = false;
    this.announced = false;
    this.handedOff = false;
    this.closed = false;
    this.host.requestUpdate();
  }

  /**
   * The screen that created the draft goes on editing it at its own address:
   * no other screen takes it over, so leaving it empty drops it as usual.
   */
  keptAtOwnAddress(): void {
    this.handedOff = false;
  }

  /** Takes a draft in hand: one read from the store, or a new one, stored at once when persisting. */
  async adopt(draft: Draft, stored: boolean, stores: Stores): Promise<void> {
    this.stores = stores;
    this.draft = draft;
    this.answers = structuredClone(draft.answers);
    this.announced = stored;
    this.savedAt = stored ? draft.updatedAt : null;
    this.host.requestUpdate();
    if (!stored && this.persist) {
      // Stored at once, so the address can change to the draft's and a reload resumes it.
      this.dirty = true;
      await this.flush();
    }
  }

  /** Sets one answer (removed when empty); false when it did not change. */
  set(name: string, value: Answers[string] | undefined): boolean {
    if (!this.draft || this.closed) return false;
    if (JSON.stringify(this.answers[name]) === JSON.stringify(value)) return false;
    const rest = Object.fromEntries(Object.entries(this.answers).filter(([k]) => k !== name));
    this.answers = value === undefined || isEmpty(value) ? rest : { ...rest, [name]: value };
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
    this.host.requestUpdate();
    return true;
  }

  /** Writes pending edits now. Resolves when every write so far is done; never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    if (!this.dirty || !this.draft || this.closed || !this.persist) return this.writing;
    this.dirty = false;
    const draft: Draft = {
      ...this.draft,
      answers: structuredClone(this.answers),
      updatedAt: new Date().toISOString(),
    };
    const stores = this.stores;
    this.writing = this.writing.then(async () => {
      if (this.closed) return;
      try {
        await putDraft(draft, stores);
        this.options.onStored?.(draft);
        // The controller may have moved on to another draft meanwhile.
        if (this.draft?.id !== draft.id) return;
        this.error = null;
        this.savedAt = draft.updatedAt;
        if (!this.announced) {
          this.announced = true;
          this.handedOff = true;
          this.options.onFirstStored?.(draft);
        }
      } catch (e) {
        if (this.draft?.id !== draft.id) return;
        // Still in memory; the next edit tries again.
        this.dirty = true;
        this.error = e instanceof Error ? e.message : String(e);
      } finally {
        this.host.requestUpdate();
      }
    });
    return this.writing;
  }

  /** Holds pending edits back (a save is under way); resolves once the last write is done. */
  settle(): Promise<void> {
    clearTimeout(this.timer);
    return this.writing;
  }

  /** Writes pending edits again after settle(), when the save did not happen. */
  resume(): void {
    if (this.dirty) this.timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
  }

  /** Stops writing for good (saved or discarded); resolves once the last write is done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.writing;
  }

  /** Closes and deletes the stored draft. */
  async discard(): Promise<void> {
    const draft = this.draft;
    await this.close();
    if (draft && this.persist) await deleteDraft(draft.id, this.stores);
  }

  /** Leaving: keep the edits, but not an empty draft nobody will come back to. */
  private async leave(): Promise<void> {
    const draft = this.draft;
    if (!draft || this.closed || !this.persist) return;
    if (this.handedOff || draft.correcting || answerCount(this.answers) > 0) {
      await this.flush();
      return;
    }
    clearTimeout(this.timer);
    this.dirty = false;
    await this.writing;
    if (!this.host.isConnected && answerCount(this.answers) === 0) await deleteDraft(draft.id, this.stores);
  }
}
