import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  PhotoStoreUnavailable,
  type ByteRange,
  type PendingPhoto,
  type PhotoStore,
  type ReceivedPhoto,
} from '../photo-store.js';
import { readUpload } from '../read-upload.js';
import { openSpool } from './spool.js';

export interface S3PhotoStoreOptions {
  bucket: string;
  /** Put before every key: "" or a path ending in "/". */
  prefix: string;
  maxBytes: number;
  /** Endpoint, region, credentials, path style; the SDK's own defaults (AWS_* variables) fill the rest. */
  client?: S3ClientConfig;
  /** Where uploads wait while they stream in; the system's temp dir unless given. */
  spoolParent?: string;
}

const isMissing = (err: unknown): boolean =>
  err instanceof S3ServiceException &&
  (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404);

/** A byte damaged on its way to the store, which the store caught: worth one more try. */
const isDigestRefusal = (err: unknown): boolean =>
  err instanceof S3ServiceException &&
  ['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'InvalidRequest'].includes(err.name);

/** Tries of one PutObject whose bytes reached the store damaged. */
const PUT_TRIES = 3;

/**
 * Photo bytes in an S3-compatible bucket, at prefix + sha256. An upload is
 * spooled to a local temp file while it is hashed, sniffed and counted, and
 * sent to the bucket only on commit, whole, in one PutObject: the object
 * appears under its final key complete or not at all, and an upload
 * abandoned half-way never reaches the bucket. The PutObject carries the
 * SHA-256 (x-amz-checksum-sha256) and MD5 (Content-MD5) of the bytes, so the
 * store refuses anything damaged on the way; the ETag it answers is checked
 * too, for stores that ignore both headers.
 */
export class S3PhotoStore implements PhotoStore {
  readonly maxBytes: number;
  readonly bucket: string;
  readonly prefix: string;
  /** This store's own temp dir: uploads under way, removed on close, or by the next store opened after a crash. */
  readonly spoolDir: string;
  readonly #client: S3Client;

  private constructor(client: S3Client, options: S3PhotoStoreOptions, spoolDir: string) {
    this.#client = client;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.maxBytes = options.maxBytes;
    this.spoolDir = spoolDir;
  }

  /** Checks that the bucket answers, so a wrong name or credential stops start-up rather than every upload. */
  static async open(options: S3PhotoStoreOptions): Promise<S3PhotoStore> {
    if (options.prefix !== '' && !options.prefix.endsWith('/'))
      throw new Error(`The photo store prefix must end in "/": "${options.prefix}".`);
    const client = new S3Client({
      ...options.client,
      // Checksums the SDK would compute itself go as aws-chunked trailers, which
      // many S3-compatible stores refuse; we send our own, computed while the
      // upload streams in.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      await client.send(new HeadBucketCommand({ Bucket: options.bucket }));
    } catch (err) {
      client.destroy();
      const status = err instanceof S3ServiceException ? ` (HTTP ${err.$metadata.httpStatusCode})` : '';
      throw new PhotoStoreUnavailable(
        `The photo bucket "${options.bucket}" cannot be reached${status}: ${(err as Error).message || (err as Error).name}. Check PHOTO_STORE, AWS_ENDPOINT_URL_S3, AWS_REGION and the credentials.`,
        err,
      );
    }
    const spoolDir = await openSpool(options.spoolParent ?? tmpdir());
    return new S3PhotoStore(client, options, spoolDir);
  }

  keyOf(sha256: string): string {
    return `${this.prefix}${sha256}`;
  }

  async receive(stream: Readable, expectedSha256: string): Promise<ReceivedPhoto> {
    const alreadyStored = await this.exists(expectedSha256);
    if (alreadyStored) {
      const outcome = await readUpload(stream, this.maxBytes, null);
      if (outcome.kind !== 'received') return outcome;
      return { ...outcome, pending: this.#pending(expectedSha256, outcome.sha256, null) };
    }
    const tempPath = join(this.spoolDir, randomBytes(8).toString('hex'));
    let file: FileHandle | null = await open(tempPath, 'wx');
    let kept = false;
    try {
      const md5 = createHash('md5');
      const handle = file;
      const outcome = await readUpload(stream, this.maxBytes, (chunk) => {
        md5.update(chunk);
        return handle.write(chunk);
      });
      if (outcome.kind !== 'received') return outcome;
      // The spool is only a waiting room: durability comes from the bucket, so no fsync.
      await file.close();
      file = null;
      kept = true;
      const spooled = { path: tempPath, bytes: outcome.bytes, type: outcome.type, md5: md5.digest() };
      return { ...outcome, pending: this.#pending(expectedSha256, outcome.sha256, spooled) };
    } finally {
      if (file) await file.close().catch(() => undefined);
      if (!kept) await rm(tempPath, { force: true });
    }
  }

  #pending(expected: string, actual: string, spooled: Spooled | null): PendingPhoto {
    return {
      alreadyStored: spooled === null,
      commit: async () => {
        if (actual !== expected) throw new Error(`Photo ${actual} cannot be stored as ${expected}.`);
        if (!spooled) return;
        try {
          await this.#put(expected, spooled);
        } finally {
          await rm(spooled.path, { force: true });
        }
      },
      discard: async () => {
        if (spooled) await rm(spooled.path, { force: true });
      },
    };
  }

  async #put(sha256: string, spooled: Spooled): Promise<void> {
    const md5Hex = spooled.md5.toString('hex');
    for (let attempt = 1; ; attempt++) {
      let etag: string | undefined;
      try {
        const answer = await this.#client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.keyOf(sha256),
            Body: createReadStream(spooled.path),
            ContentLength: spooled.bytes,
            ContentType: spooled.type,
            ContentMD5: spooled.md5.toString('base64'),
            ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          }),
        );
        etag = answer.ETag;
      } catch (err) {
        if (attempt < PUT_TRIES && isDigestRefusal(err)) continue;
        throw err;
      }
      // A single-part upload's ETag is the MD5 of its bytes on every store we
      // know, except under SSE-KMS/SSE-C, where it is not hex MD5-shaped.
      const stored = etag?.replaceAll('"', '');
      if (stored === undefined || !/^[0-9a-f]{32}$/.test(stored) || stored === md5Hex) return;
      // Same key, same intended bytes: putting them again is safe, and puts right what the store got wrong.
      if (attempt >= PUT_TRIES) {
        // Damaged bytes under a photo's key would pass for it: exists() would say it is held.
        await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
        throw new Error(
          `The photo bucket stored ${sha256} with MD5 ${stored}, not ${md5Hex}, ${PUT_TRIES} times; removed it.`,
        );
      }
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable | null> {
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(sha256),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const body = answer.Body;
      if (!(body instanceof Readable)) throw new Error(`The photo bucket sent no body for ${sha256}.`);
      if (!range) return body;
      // HTTP lets a server send more than the range asked (all of it, say), and some S3-compatible stores do.
      const sent = /^bytes (\d+)-(\d+)\//.exec(answer.ContentRange ?? '');
      const from = sent ? Number(sent[1]) : 0;
      if (from === range.start && sent && Number(sent[2]) === range.end) return body;
      return body.pipe(slice(range.start - from, range.end - from + 1));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
    await rm(this.spoolDir, { recursive: true, force: true });
  }
}

/** Passes on count bytes from offset skip of what flows through, and no more. */
function slice(skip: number, count: number): Transform {
  let at = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(0, skip - at);
      const to = Math.min(chunk.length, skip + count - at);
      at += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}

interface Spooled {
  path: string;
  bytes: number;
  type: string;
  md5: Buffer;
}
