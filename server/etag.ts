/**
 * True when an If-None-Match header names etag. Uses the weak comparison
 * RFC 9110 prescribes for this header, so W/"x" matches "x".
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
