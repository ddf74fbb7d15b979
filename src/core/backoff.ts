/**
 * How long to wait before the next attempt: exponential from 2 s, capped at
 * 5 minutes, with jitter so a crowd of devices coming back online does not
 * hit the server in step.
 */
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 5 * 60_000;

export function backoffDelay(attempts: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  // "Equal jitter": at least half the delay, so retries never bunch up at zero.
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** After this many failed attempts a submission shows as "waiting" (it is still retried). */
export const WAITING_AFTER_ATTEMPTS = 5;
