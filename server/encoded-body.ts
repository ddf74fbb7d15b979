import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';

/** A content coding the server compresses answers with. */
export type ContentEncoding = 'br' | 'gzip';

/** The codings the server sends, in its order of preference. */
export const ENCODINGS: readonly ContentEncoding[] = ['br', 'gzip'];

/** Brotli's default (quality 11) takes seconds on 1.4 MB; 5 compresses nearly as well, in a tenth of a second. */
export const BROTLI_QUALITY = 5;

const compressors: Record<ContentEncoding, (text: string) => Promise<Buffer>> = {
  br: (text) =>
    promisify(brotliCompress)(text, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }),
  gzip: (text) => promisify(gzip)(text),
};

/**
 * The coding to answer with for an Accept-Encoding header: the one the
 * client weights highest (q), brotli on a tie; null for none (send the body
 * as it is). As @fastify/compress does for the other answers, "*" and
 * "x-gzip" count for gzip, and "*" for brotli too.
 */
export function preferredEncoding(header: string | undefined): ContentEncoding | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim());
    const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(name, q === undefined ? 1 : Number(q));
  }
  const weight = (e: ContentEncoding): number =>
    weights.get(e) ?? (e === 'gzip' ? weights.get('x-gzip') : undefined) ?? weights.get('*') ?? 0;
  let best: ContentEncoding | null = null;
  for (const e of ENCODINGS) if (weight(e) > 0 && (best === null || weight(e) > weight(best))) best = e;
  return best;
}

/**
 * The text compressed in a coding, made on first use and kept: a body
 * served many times (the reference data) is compressed once per coding, off
 * the event loop. A failed compression is tried again on the next use.
 */
export function compressedOnce(text: string): (encoding: ContentEncoding) => Promise<Buffer> {
  const made = new Map<ContentEncoding, Promise<Buffer>>();
  return (encoding) => {
    let bytes = made.get(encoding);
    if (!bytes) {
      bytes = compressors[encoding](text);
      made.set(encoding, bytes);
      bytes.catch(() => made.delete(encoding));
    }
    return bytes;
  };
}

/** The text compressed in a coding once, off the event loop (a large answer made for one request). */
export function compressText(text: string, encoding: ContentEncoding): Promise<Buffer> {
  return compressors[encoding](text);
}
