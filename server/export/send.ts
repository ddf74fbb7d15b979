/**
 * Writes an export to the connection as it is made. The route has refused
 * what it must (400, 401, 403) before this is called; from here the answer
 * is a 200 whose head goes out at once, so that a failure later can only
 * cut the connection: a client never mistakes a short file for a whole one,
 * nor gets an error page labelled as the file (with its Content-Encoding
 * and Content-Disposition). Hence the reply is taken over from Fastify, and
 * compressed here rather than by @fastify/compress, which would buffer the
 * first bytes and leave a failure then to the error handler.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { finished, pipeline, type Transform, type Writable } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BROTLI_QUALITY, preferredEncoding, type ContentEncoding } from '../encoded-body.js';

export interface ExportFile {
  /** Content-Type. */
  type: string;
  /** The file name a browser saves it under. */
  name: string;
  /** The body, made as it is read: each chunk is asked for once the connection has taken the last. */
  chunks: AsyncIterable<string | Uint8Array>;
  /** Text that shrinks (CSV, GeoJSON); not a ZIP of photos. */
  compressible: boolean;
}

function compressor(encoding: ContentEncoding): Transform {
  return encoding === 'br'
    ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } })
    : createGzip();
}

/** Resolves when out can take more, or when the connection has closed (the caller then stops). */
async function drained(out: Writable, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  const { signal } = ac;
  await Promise.race([once(out, 'drain', { signal }), once(res, 'close', { signal })]).finally(() =>
    ac.abort(),
  );
}

/**
 * Streams the file as the answer, honouring backpressure: a chunk is
 * written, and the next asked for only once the connection (or the
 * compressor before it) has drained. When the client goes away the walk is
 * ended (the generator's return() closes what it reads), and a failure
 * destroys the connection. Never rejects.
 */
export async function sendExport(
  request: FastifyRequest,
  reply: FastifyReply,
  file: ExportFile,
): Promise<void> {
  const encoding = file.compressible ? preferredEncoding(request.headers['accept-encoding']) : null;
  reply.hijack();
  const res = reply.raw;
  // The security headers, set on every reply when the request came in.
  for (const [name, value] of Object.entries(reply.getHeaders()))
    if (value !== undefined) res.setHeader(name, value);
  res.writeHead(200, {
    'content-type': file.type,
    'content-disposition': `attachment; filename="${file.name}"`,
    'cache-control': 'no-store',
    ...(file.compressible ? { vary: 'accept-encoding' } : {}),
    ...(encoding ? { 'content-encoding': encoding } : {}),
  });
  res.flushHeaders();
  const compressing = encoding ? compressor(encoding) : null;
  // The compressor ends the response when it ends; either failing destroys both.
  if (compressing) pipeline(compressing, res, () => undefined);
  const out: Writable = compressing ?? res;
  try {
    for await (const chunk of file.chunks) {
      if (res.destroyed) break;
      if (!out.write(chunk)) await drained(out, res);
      if (res.destroyed) break;
    }
    if (res.destroyed) return;
    out.end();
    await new Promise<void>((resolve) => finished(res, () => resolve()));
  } catch (err) {
    request.log.error({ err }, 'export failed part-way: its connection is cut');
    res.destroy();
    out.destroy();
  }
}
