/**
 * Resolves once the next frame is painted, or after a moment where frames
 * are not drawn (a hidden tab), so work that can wait leaves the first
 * paint alone without waiting for ever.
 */
export function afterNextPaint(hiddenWaitMs = 100): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve));
    setTimeout(resolve, hiddenWaitMs);
  });
}

/** Resolves when the page is idle (at once after a moment where there is no requestIdleCallback). */
export function whenIdle(timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    if ('requestIdleCallback' in globalThis) requestIdleCallback(() => resolve(), { timeout: timeoutMs });
    else setTimeout(resolve, 50);
  });
}
