import type { ByteRange } from './storage/photo-store.js';

/** What a Range header asks of a body of a known size (RFC 9110 §14). */
export type RangeRequest =
  /** No range, or one to ignore (several ranges, a unit other than bytes, a stale If-Range): send it all. */
  | { kind: 'whole' }
  | { kind: 'partial'; range: ByteRange }
  /** A well-formed range that starts past the end. */
  | { kind: 'unsatisfiable' };

const WHOLE = { kind: 'whole' } as const;

/**
 * Reads a single byte range. Several ranges would need a multipart body;
 * the RFC lets a server answer them whole, which is what photo viewers and
 * resumed downloads, the clients that ask, handle best. A header that does
 * not parse is ignored, as the RFC asks.
 */
export function parseRange(
  header: string | undefined,
  size: number,
  ifRange: string | undefined,
  etag: string,
): RangeRequest {
  if (header === undefined) return WHOLE;
  // If-Range with any other validator (an older ETag, a date) asks for the whole of what is current.
  if (ifRange !== undefined && ifRange.trim() !== etag) return WHOLE;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return WHOLE;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return WHOLE;
  if (first === '') {
    // bytes=-N: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return WHOLE;
  if (last !== '' && Number(last) < start) return WHOLE;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end } };
}
