/**
 * Orders two ISO 8601 times (UTC, as this app writes them), newest first.
 * Such times sort as plain strings; `localeCompare` would also build an ICU
 * collator on its first call, a long task while the app starts.
 */
export function newestFirst(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
