import { ReentryGuard } from '../reentry-guard.js';

/**
 * Runs work one piece at a time, in the order asked, each to its end
 * (awaits included) before the next starts. better-sqlite3 has one
 * connection and one transaction on it: an async transaction holds the
 * lane across its awaits, so no other transaction, and no single statement
 * of another request, can slip into it.
 */
export class Lane {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #guard = new ReentryGuard();

  /**
   * Queues work and settles as it does. Refused at once when called from
   * work running on this lane: it would wait for the work that waits for it.
   */
  run<T>(work: () => Promise<T> | T): Promise<T> {
    const refused = this.#guard.refusal();
    if (refused) return Promise.reject(refused);
    const result = this.#tail.then(() => this.#guard.within(work));
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Settles once everything queued so far has. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
