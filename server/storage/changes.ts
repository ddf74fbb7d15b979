/**
 * Word that something reviewers watch has changed, passed between the
 * servers sharing a database. A signal carries no data: whoever hears it
 * reads what is new from the database, after the position it last read, so
 * signals may be merged, and one lost costs only a delay (the live stream
 * also reads on a timer), never an event.
 */
import { EventEmitter } from 'node:events';

export const CHANGE_TOPICS = ['submission', 'review', 'outbox'] as const;
/** A submission stored, a review event appended, an outbox report replaced. */
export type ChangeTopic = (typeof CHANGE_TOPICS)[number];
/** 'all' after the signals may have been missed (a lost link to the database, now back). */
export type ChangeSignal = ChangeTopic | 'all';

export interface Changes {
  /** Tells every watcher, on every server, once what was written has been committed. */
  announce(topic: ChangeTopic): void;
  /** Calls listener for each signal heard (merged when several come at once); answers the way to stop. */
  watch(listener: (signal: ChangeSignal) => void): () => void;
}

/**
 * Signals within this process, for a database only this process writes
 * (SQLite). Announcements made in one turn of the event loop reach each
 * watcher once per topic, in the next.
 */
export class LocalChanges implements Changes {
  readonly #emitter = new EventEmitter();
  readonly #pending = new Set<ChangeTopic>();

  constructor() {
    // One listener per live stream: many reviewers are not a leak.
    this.#emitter.setMaxListeners(0);
  }

  announce(topic: ChangeTopic): void {
    if (this.#pending.has(topic)) return;
    this.#pending.add(topic);
    setImmediate(() => {
      this.#pending.delete(topic);
      this.#emitter.emit('change', topic);
    });
  }

  watch(listener: (signal: ChangeSignal) => void): () => void {
    this.#emitter.on('change', listener);
    return () => this.#emitter.off('change', listener);
  }
}
