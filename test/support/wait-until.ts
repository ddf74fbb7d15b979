/**
 * Waits for a state the test needs, bounded only by the test's own timeout
 * (20 s, web-test-runner.config.js) rather than open-wc's default second: on
 * a busy machine a server round trip or a render can take longer than that,
 * and a wait that gives up early fails a test that would have passed.
 */
import { waitUntil as openWcWaitUntil } from '@open-wc/testing';

const DEFAULT_TIMEOUT_MS = 15_000;

export function waitUntil(
  predicate: () => unknown | Promise<unknown>,
  message?: string,
  options: { interval?: number; timeout?: number } = {},
): Promise<void> {
  return openWcWaitUntil(predicate, message, { timeout: DEFAULT_TIMEOUT_MS, ...options });
}
