import { AsyncLocalStorage } from 'node:async_hooks';

/** One piece of work running on the lane, as seen from the code it calls. */
interface Turn {
  lane: Lane;
  done: boolean;
}

/**
 * Runs work one piece at a time, in the order asked, each to its end
 * (awaits included) before the next starts. better-sqlite3 has one
 * connection and one transaction on it: an async transaction holds the
 * lane across its awaits, so no other transaction, and no single statement
 * of another request, can slip into it.
 */
export class Lane {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #current = new AsyncLocalStorage<Turn>();

  /**
   * Queues work and settles as it does. Refused at once when called from
   * work running on this lane: it would wait for the work that waits for it.
   */
  run<T>(work: () => Promise<T> | T): Promise<T> {
    const running = this.#current.getStore();
    if (running?.lane === this && !running.done) {
      return Promise.reject(
        new Error('Called from inside a transaction on the same database: use the transaction it was given.'),
      );
    }
    const turn: Turn = { lane: this, done: false };
    const result = this.#tail.then(() =>
      this.#current.run(turn, async () => {
        try {
          return await work();
        } finally {
          turn.done = true;
        }
      }),
    );
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Settles once everything queued so far has. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
