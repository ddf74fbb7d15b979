import { AsyncLocalStorage } from 'node:async_hooks';

/** One piece of guarded work, as seen from the code it calls. */
interface Turn {
  done: boolean;
}

/**
 * Knows whether code runs inside a transaction of one repository, across
 * awaits. A call on the repository itself from there would either wait for
 * the transaction that waits for it, or run outside it unnoticed: both are
 * refused instead.
 */
export class ReentryGuard {
  readonly #current = new AsyncLocalStorage<Turn>();

  /** Runs work as inside; until it settles, refusal() from its calls answers an error. */
  async within<T>(work: () => Promise<T> | T): Promise<T> {
    const turn: Turn = { done: false };
    return this.#current.run(turn, async () => {
      try {
        return await work();
      } finally {
        turn.done = true;
      }
    });
  }

  /** The error to reject a call with when it comes from inside, or null. */
  refusal(): Error | null {
    const turn = this.#current.getStore();
    if (!turn || turn.done) return null;
    return new Error(
      'Called from inside a transaction on the same database: use the transaction it was given.',
    );
  }
}
