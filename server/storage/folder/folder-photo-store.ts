import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, PendingPhoto, PhotoStore, ReceivedPhoto } from '../photo-store.js';
import { readUpload } from '../read-upload.js';

const TEMP_PREFIX = '.tmp-';

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Content-addressed photo files: root/ab/cdef… for the sha256 abcdef…. A
 * file is only ever created whole (temp file beside its final place, fsync,
 * rename, fsync of the directory), so any file under its final name is
 * complete.
 */
export class FolderPhotoStore implements PhotoStore {
  readonly root: string;
  readonly maxBytes: number;
  #readOnly = false;

  private constructor(root: string, maxBytes: number) {
    this.root = root;
    this.maxBytes = maxBytes;
  }

  /** Creates root when missing and removes the temp files a crash left behind (no upload is running yet). */
  static async open(root: string, maxBytes: number): Promise<FolderPhotoStore> {
    await mkdir(root, { recursive: true });
    for (const sub of await readdir(root, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      const dir = join(root, sub.name);
      for (const name of await readdir(dir)) {
        if (name.startsWith(TEMP_PREFIX)) await rm(join(dir, name), { force: true });
      }
    }
    return new FolderPhotoStore(root, maxBytes);
  }

  /** The photos in root, to read only (for copying them elsewhere): root must exist, and nothing is written. */
  static async openToRead(root: string, maxBytes: number): Promise<FolderPhotoStore> {
    const found = await stat(root).catch(() => null);
    if (!found?.isDirectory()) throw new Error(`There is no photo folder at ${root}.`);
    const store = new FolderPhotoStore(root, maxBytes);
    store.#readOnly = true;
    return store;
  }

  #dirOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2));
  }

  #pathOf(sha256: string): string {
    return join(this.#dirOf(sha256), sha256.slice(2));
  }

  /**
   * Writes the bytes to a temp file beside their final place, unless the
   * photo is already held: then they are only hashed. Removes the temp file
   * of anything but a photo received whole.
   */
  async receive(stream: Readable, expectedSha256: string): Promise<ReceivedPhoto> {
    if (this.#readOnly) throw new Error(`The photo folder ${this.root} is open to read only.`);
    const alreadyStored = await this.exists(expectedSha256);
    let file: FileHandle | null = null;
    let tempPath: string | null = null;
    let kept = false;
    try {
      if (!alreadyStored) {
        const dir = this.#dirOf(expectedSha256);
        await this.#ensureDir(dir);
        tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
        file = await open(tempPath, 'wx');
      }
      const handle = file;
      const outcome = await readUpload(stream, this.maxBytes, handle && ((chunk) => handle.write(chunk)));
      if (outcome.kind !== 'received') return outcome;
      if (file) {
        await file.sync();
        await file.close();
        file = null;
      }
      kept = true;
      const pending = this.#pending(expectedSha256, outcome.sha256, tempPath, alreadyStored);
      return { ...outcome, pending };
    } finally {
      if (file) await file.close().catch(() => undefined);
      if (!kept && tempPath) await rm(tempPath, { force: true });
    }
  }

  #pending(expected: string, actual: string, tempPath: string | null, alreadyStored: boolean): PendingPhoto {
    return {
      alreadyStored,
      commit: async () => {
        if (actual !== expected) throw new Error(`Photo ${actual} cannot be stored as ${expected}.`);
        if (!tempPath) return;
        await rename(tempPath, this.#pathOf(expected));
        await fsyncDir(this.#dirOf(expected));
      },
      discard: async () => {
        if (tempPath) await rm(tempPath, { force: true });
      },
    };
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.#pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable | null> {
    let handle: FileHandle;
    try {
      // Opening first turns a missing file into null here, before any header is sent.
      handle = await open(this.#pathOf(sha256), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return createReadStream('', { fd: handle, ...(range && { start: range.start, end: range.end }) });
  }

  async close(): Promise<void> {
    // Nothing is held open between requests.
  }

  async #ensureDir(dir: string): Promise<void> {
    try {
      await stat(dir);
    } catch {
      await mkdir(dir, { recursive: true });
      // The new directory's entry in the root must reach the disk too.
      await fsyncDir(this.root);
    }
  }
}
