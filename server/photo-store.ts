import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { PhotoType } from '../shared/submission.js';

const TEMP_PREFIX = '.tmp-';

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

/** The client went away mid-upload; nothing was kept. */
export class UploadInterrupted extends Error {
  constructor(cause?: unknown) {
    super('The upload was interrupted.', { cause });
    this.name = 'UploadInterrupted';
  }
}

/** Enough bytes to tell the types apart (WebP needs 12). */
const SNIFF_BYTES = 12;

export type ReceiveResult =
  | { kind: 'too_large' }
  /** Not a photo; sha256 says whether these are the bytes the client meant to send. */
  | { kind: 'unsupported'; sha256: string }
  | { kind: 'empty' }
  | { kind: 'received'; sha256: string; bytes: number; type: PhotoType; tempPath: string | null };

/**
 * Reads a stream chunk by chunk without ever destroying it: destroying an
 * incoming request resets its socket, and the client would see a network
 * error instead of our 413 or 415.
 */
async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
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

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Content-addressed photo files: DATA_DIR/photos/ab/cdef… for the sha256
 * abcdef…. A file is only ever created whole (temp file, fsync, rename,
 * fsync of the directory), so any file under its final name is complete.
 */
export class PhotoStore {
  readonly root: string;
  readonly maxBytes: number;

  constructor(dataDir: string, maxBytes: number) {
    this.root = join(dataDir, 'photos');
    this.maxBytes = maxBytes;
  }

  dirOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2));
  }

  pathOf(sha256: string): string {
    return join(this.dirOf(sha256), sha256.slice(2));
  }

  /** Creates the root and removes temp files a crash left behind (no upload is running yet). */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const sub of await readdir(this.root, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      const dir = join(this.root, sub.name);
      for (const name of await readdir(dir)) {
        if (name.startsWith(TEMP_PREFIX)) await rm(join(dir, name), { force: true });
      }
    }
  }

  /**
   * Reads an upload meant for expectedSha256, hashing as it goes. With
   * keep, the bytes go to a temp file beside their final place; without,
   * they are only hashed (the photo is already held). Stops reading as soon
   * as the upload is too large, and removes the temp file. Bytes that are not
   * a photo are still read and hashed (not kept): a byte damaged on the way
   * can spoil the magic number, and the hash tells that apart from a file
   * that truly is not a photo.
   */
  async receive(stream: Readable, expectedSha256: string, keep: boolean): Promise<ReceiveResult> {
    const hash = createHash('sha256');
    let bytes = 0;
    let head = Buffer.alloc(0);
    let type: PhotoType | null = null;
    let file: FileHandle | null = null;
    let tempPath: string | null = null;
    let done = false;
    try {
      if (keep) {
        const dir = this.dirOf(expectedSha256);
        await this.#ensureDir(dir);
        tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
        file = await open(tempPath, 'wx');
      }
      let notPhoto = false;
      for await (const chunk of chunksOf(stream)) {
        bytes += chunk.length;
        if (bytes > this.maxBytes) return { kind: 'too_large' };
        if (type === null && !notPhoto) {
          head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
          if (head.length >= SNIFF_BYTES) {
            type = sniffPhotoType(head);
            notPhoto = type === null;
          }
        }
        hash.update(chunk);
        if (file && !notPhoto) await file.write(chunk);
      }
      if (bytes === 0) return { kind: 'empty' };
      // A photo shorter than SNIFF_BYTES can still be a (tiny, odd) JPEG or PNG.
      type ??= sniffPhotoType(head);
      if (type === null) return { kind: 'unsupported', sha256: hash.digest('hex') };
      if (file) {
        await file.sync();
        await file.close();
        file = null;
      }
      done = true;
      return { kind: 'received', sha256: hash.digest('hex'), bytes, type, tempPath };
    } finally {
      if (file) await file.close().catch(() => undefined);
      if (!done && tempPath) await rm(tempPath, { force: true });
    }
  }

  /** Moves a received temp file to its final name, durably. */
  async commit(tempPath: string, sha256: string): Promise<void> {
    await rename(tempPath, this.pathOf(sha256));
    await fsyncDir(this.dirOf(sha256));
  }

  async discard(tempPath: string): Promise<void> {
    await rm(tempPath, { force: true });
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /** The photo's bytes; rejects (ENOENT) when the file is absent. */
  async open(sha256: string): Promise<ReadStream> {
    // Opening first turns a missing file into a rejection here, before any header is sent.
    const handle = await open(this.pathOf(sha256), 'r');
    return createReadStream('', { fd: handle });
  }

  async #ensureDir(dir: string): Promise<void> {
    try {
      await stat(dir);
    } catch {
      await mkdir(dir, { recursive: true });
      // The new directory's entry in photos/ must reach the disk too.
      await fsyncDir(this.root);
    }
  }
}
