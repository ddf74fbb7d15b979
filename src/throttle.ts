/**
 * Runs fn at most once per interval, always once more after the last call, so
 * a burst of changes (a queue draining) costs a few reloads, not one each.
 */
export function throttle(fn: () => void, intervalMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  return () => {
    if (timer !== undefined) return;
    const wait = Math.max(0, last + intervalMs - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      fn();
    }, wait);
  };
}
