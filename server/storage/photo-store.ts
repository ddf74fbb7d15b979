import type { Readable } from 'node:stream';
import type { PhotoType } from '../../shared/submission.js';

/** The store cannot be used as configured (no such bucket, no access, no endpoint): start-up stops. */
export class PhotoStoreUnavailable extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'PhotoStoreUnavailable';
  }
}

/** The client went away mid-upload; nothing was kept. */
export class UploadInterrupted extends Error {
  constructor(cause?: unknown) {
    super('The upload was interrupted.', { cause });
    this.name = 'UploadInterrupted';
  }
}

/** What the bytes of an upload turned out to be, read to their end or to the size limit. */
export type UploadOutcome =
  | { kind: 'too_large' }
  | { kind: 'empty' }
  /** Not a photo; sha256 says whether these are the bytes the client meant to send. */
  | { kind: 'unsupported'; sha256: string }
  | { kind: 'received'; sha256: string; bytes: number; type: PhotoType };

/** Bytes received and held aside: neither readable under their hash nor lost until one of these is called. */
export interface PendingPhoto {
  /**
   * True when the store already held bytes under the expected hash before
   * this upload: these were only hashed, and commit() has nothing to write.
   */
  readonly alreadyStored: boolean;
  /**
   * Puts the bytes under their hash, durably: once it resolves, open() and
   * exists() find them, complete. Refused unless the bytes hash to the
   * expected sha256.
   */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** Bytes start to end of a photo, both included, as an HTTP Range names them. */
export interface ByteRange {
  start: number;
  end: number;
}

export type ReceivedPhoto =
  | Exclude<UploadOutcome, { kind: 'received' }>
  | (Extract<UploadOutcome, { kind: 'received' }> & { pending: PendingPhoto });

/**
 * Photo bytes, content-addressed by their SHA-256. Bytes are only ever
 * readable under their hash whole: an implementation writes them aside
 * first and moves them into place on commit. Stored bytes never change.
 */
export interface PhotoStore {
  /** The largest upload accepted, in bytes: receive() stops reading past it. */
  readonly maxBytes: number;
  /**
   * Reads an upload meant for expectedSha256, hashing, sniffing the type
   * from its magic numbers and counting its bytes as they stream in. Stops
   * reading past maxBytes and never destroys the stream (the client must
   * get to read the refusal). Bytes that are not a photo are still read and
   * hashed, not kept: a byte damaged on the way can spoil the magic number,
   * and the hash tells that apart from a file that truly is not a photo.
   * Only a 'received' outcome holds anything, as its pending photo; rejects
   * with UploadInterrupted when the client goes away.
   */
  receive(stream: Readable, expectedSha256: string): Promise<ReceivedPhoto>;
  exists(sha256: string): Promise<boolean>;
  /**
   * The photo's bytes (only those of range, when given, which must lie
   * within the photo), or null when the store does not hold them.
   */
  open(sha256: string, range?: ByteRange): Promise<Readable | null>;
  close(): Promise<void>;
}
