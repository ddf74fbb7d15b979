/**
 * Tries per client address in a fixed window, counted in this process's
 * memory: a brake on one address hammering sign-in or enrollment. Each
 * server instance counts on its own; the per-account limit on sign-in
 * (server/auth/sessions.ts) is the one every instance shares. Behind a
 * reverse proxy every request comes from the proxy's address unless
 * Fastify is told to trust it, so keep the limit well above one office's
 * worth of people.
 */
export class AddressLimit {
  readonly #tries: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(tries: number, windowMs: number) {
    this.#tries = tries;
    this.#windowMs = windowMs;
  }

  /** Counts a try from the address at now (ms); answers how long to wait when it is one too many, else 0. */
  take(address: string, now: number): number {
    let window = this.#windows.get(address);
    if (!window || now - window.start >= this.#windowMs) {
      if (this.#windows.size >= 10_000) this.#forgetEnded(now);
      window = { start: now, count: 0 };
      this.#windows.set(address, window);
    }
    window.count++;
    return window.count > this.#tries ? window.start + this.#windowMs - now : 0;
  }

  #forgetEnded(now: number): void {
    for (const [address, w] of this.#windows)
      if (now - w.start >= this.#windowMs) this.#windows.delete(address);
  }
}
