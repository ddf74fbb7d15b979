/**
 * The reference data on screen, for the app shell: the stored copy, read
 * once at start-up; a refresh when it is older than a day, on `online`, on
 * request, and what it changed; and the copy another page or the worker
 * stored meanwhile. Reading the same data again keeps the lists already
 * parsed and indexed, so a search box over 20,000 villages stays quick.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import type { ReferenceUpdate } from '../../shared/messages.js';
import { onAppMessage } from '../core/outbox-events.js';
import { nextTask } from '../core/next-task.js';
import {
  getStoredReference,
  isStale,
  needsRefresh,
  type RefreshResult,
  type StoredReference,
} from '../core/reference.js';
import type { Stores } from '../core/stores.js';
import { refreshOffThread } from './refresh-off-thread.js';

export class ReferenceController implements ReactiveController {
  data: ReferenceData | null = null;
  /** When the data was last confirmed by the server; null when there is none. */
  checkedAt: string | null = null;
  stale = false;
  refreshing = false;
  /** Why the forms could not be had, when that is worth saying. */
  note = '';
  /** Whether start-up has read the stored copy (found or not). */
  read = false;
  private stored: StoredReference | undefined;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly stores: () => Stores,
    /** Called after each refresh the server answered. */
    private readonly onAnswered: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    // A refresh in another page, in a worker, or the service worker's periodic sync.
    this.unsubscribe = onAppMessage((m) => {
      if (m.type === 'reference-updated') void this.heard(m.payload);
    });
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Shows what another refresh stored. Only new data is read again: a
   * failure changed nothing, and a 304 only the time of the check.
   */
  private async heard(update: ReferenceUpdate): Promise<void> {
    if (update.outcome === 'failed') return;
    if (update.outcome === 'unchanged' && this.stored && update.checkedAt) {
      this.show({ ...this.stored, checkedAt: update.checkedAt });
      return;
    }
    await this.readStored();
  }

  /** Puts the stored copy on screen; resolves to it. */
  async readStored(): Promise<StoredReference | undefined> {
    try {
      const stored = await getStoredReference(this.stores());
      // Reading the stored forms and drawing the screen they fill are each a
      // good part of a cheap phone's start-up: a task apart, not one long one.
      await nextTask();
      if (stored) this.show(stored);
      return stored;
    } finally {
      this.read = true;
      this.host.requestUpdate();
    }
  }

  /** Start-up fetches only data older than a day, so opening the app stays quick and offline-proof. */
  refreshIfStale(): Promise<void> {
    return needsRefresh(this.stored) ? this.refresh() : Promise.resolve();
  }

  /**
   * Runs a refresh and shows its result; never blocks a screen, which keeps
   * using the stored copy meanwhile. `announce` says whether a failure is
   * worth a note (the user asked, or there is nothing to work with).
   */
  async refresh(announce = false): Promise<void> {
    this.refreshing = true;
    this.host.requestUpdate();
    try {
      this.showResult(await refreshOffThread(this.stores(), this.stored), announce);
    } finally {
      this.refreshing = false;
      this.host.requestUpdate();
    }
  }

  private showResult(result: RefreshResult, announce: boolean): void {
    if (result.reference) this.show(result.reference);
    if (result.attempt.outcome !== 'failed') {
      this.note = '';
      this.onAnswered();
    } else if (!result.reference)
      this.note = 'No forms on this device yet: connect to the network once to download them.';
    else if (announce)
      this.note = `Forms could not be refreshed (${result.attempt.message}), so the copy from ${new Date(result.reference.checkedAt).toLocaleString()} is in use.`;
  }

  private show(stored: StoredReference): void {
    const same = this.stored && stored.etag !== null && stored.etag === this.stored.etag;
    this.stored = same && this.stored ? { ...stored, data: this.stored.data } : stored;
    this.data = this.stored.data;
    this.checkedAt = stored.checkedAt;
    this.stale = isStale(stored);
    this.host.requestUpdate();
  }
}
