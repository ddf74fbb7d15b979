import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { PhotoType } from '../../shared/submission.js';
import { UploadInterrupted, type UploadOutcome } from './photo-store.js';

/** The photo type the bytes say they are, from their magic numbers; null for anything else. */
export function sniffPhotoType(head: Uint8Array): PhotoType | null {
  const b = (i: number): number | undefined => head[i];
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((v, i) => b(i) === v)) return 'image/png';
  const ascii = (from: number, to: number): string => Buffer.from(head.subarray(from, to)).toString('latin1');
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** Enough bytes to tell the types apart (WebP needs 12). */
const SNIFF_BYTES = 12;

/**
 * Reads a stream chunk by chunk without ever destroying it: destroying an
 * incoming request resets its socket, and the client would see a network
 * error instead of our 413 or 415.
 */
async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
  // An error between reads (a reset while a chunk is being written) must not
  // go unheard and crash the process: the stream is then destroyed, seen below.
  const unheard = (): void => undefined;
  stream.on('error', unheard);
  try {
    yield* readChunks(stream);
  } finally {
    stream.off('error', unheard);
  }
}

async function* readChunks(stream: Readable): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = stream.read() as Buffer | string | null;
    if (chunk !== null) {
      yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      continue;
    }
    if (stream.readableEnded) return;
    if (stream.destroyed) throw new UploadInterrupted();
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error): void => {
        stream.off('readable', onReady);
        stream.off('end', onReady);
        stream.off('close', onReady);
        stream.off('error', settle);
        if (err) reject(new UploadInterrupted(err));
        else resolve();
      };
      const onReady = (): void => settle();
      stream.on('readable', onReady);
      stream.on('end', onReady);
      stream.on('close', onReady);
      stream.on('error', settle);
    });
  }
}

/**
 * Reads an upload to its end, or until it passes maxBytes, hashing,
 * counting and sniffing its type as it goes. Each chunk of a photo is
 * handed to write (when given) before the next is read; once the first
 * bytes show it is not a photo, the rest is only hashed. Any photo store
 * writes its bytes aside through this, so all of them judge uploads alike.
 */
export async function readUpload(
  stream: Readable,
  maxBytes: number,
  write: ((chunk: Buffer) => Promise<unknown>) | null,
): Promise<UploadOutcome> {
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  let type: PhotoType | null = null;
  let notPhoto = false;
  for await (const chunk of chunksOf(stream)) {
    bytes += chunk.length;
    if (bytes > maxBytes) return { kind: 'too_large' };
    if (type === null && !notPhoto) {
      head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
      if (head.length >= SNIFF_BYTES) {
        type = sniffPhotoType(head);
        notPhoto = type === null;
      }
    }
    hash.update(chunk);
    if (write && !notPhoto) await write(chunk);
  }
  if (bytes === 0) return { kind: 'empty' };
  // A photo shorter than SNIFF_BYTES can still be a (tiny, odd) JPEG or PNG.
  type ??= sniffPhotoType(head);
  if (type === null) return { kind: 'unsupported', sha256: hash.digest('hex') };
  return { kind: 'received', sha256: hash.digest('hex'), bytes, type };
}
