import type { Readable } from 'node:stream';
import type { PhotoType } from '../shared/submission.js';
import type { Caller } from './auth/guard.js';
import { HttpError, megabytes, notFound, payloadTooLarge } from './errors.js';
import { UploadInterrupted, type ByteRange, type PhotoStore } from './storage/photo-store.js';
import type { PhotoRecord, Repository } from './storage/repository.js';

/** A PUT of a photo as the request brought it. */
export interface PhotoUpload {
  /** The hash in the URL: what the bytes must hash to. */
  sha256: string;
  /** The Content-Length the client announced; null when it did not (chunked). */
  declaredBytes: number | null;
  /** The body; null when the request had none at all. */
  body: Readable | null;
}

export interface AcceptedPhoto {
  /** 201 when the bytes were stored now, 200 when the server already had them. */
  status: 201 | 200;
  photo: { sha256: string; bytes: number; type: PhotoType };
}

function tooLarge(maxBytes: number): HttpError {
  return payloadTooLarge(
    `The photo is larger than the server accepts (${megabytes(maxBytes)}). Remove it from the submission, or ask your administrator to raise PHOTO_MAX_BYTES.`,
  );
}

function damaged(expected: string, actual: string): HttpError {
  return new HttpError(422, {
    error: 'hash_mismatch',
    message: `The photo's SHA-256 is ${actual}, not ${expected} as the URL says. It may have been damaged on the way: send it again.`,
  });
}

function empty(): HttpError {
  return new HttpError(400, {
    error: 'bad_request',
    message: 'The photo is empty: send its bytes as the body.',
  });
}

/**
 * Decides what a PUT of a photo does: refuses an announced length over the
 * limit before reading a byte, then reads the bytes once, judging their
 * hash before their type (damage on the way comes first), and stores them.
 * The record is written only once the bytes are durably in place, so a
 * record always means a complete photo.
 */
export async function acceptPhoto(
  repo: Repository,
  photos: PhotoStore,
  upload: PhotoUpload,
): Promise<AcceptedPhoto> {
  const { sha256 } = upload;
  if (upload.declaredBytes !== null && upload.declaredBytes > photos.maxBytes)
    throw tooLarge(photos.maxBytes);
  // No body at all skips the content type parsers, leaving nothing to read.
  if (!upload.body) throw empty();

  const received = await photos.receive(upload.body, sha256).catch((err: unknown) => {
    // Nobody may be left to read this answer; it keeps the log free of false alarms.
    if (err instanceof UploadInterrupted) {
      throw new HttpError(400, {
        error: 'interrupted',
        message: 'The upload was interrupted: send it again.',
      });
    }
    throw err;
  });
  switch (received.kind) {
    case 'too_large':
      throw tooLarge(photos.maxBytes);
    case 'unsupported':
      if (received.sha256 !== sha256) throw damaged(sha256, received.sha256);
      throw new HttpError(415, {
        error: 'unsupported_media_type',
        message: 'The bytes are not a JPEG, PNG or WebP photo.',
      });
    case 'empty':
      throw empty();
    case 'received':
      break;
  }
  const { pending } = received;
  if (received.sha256 !== sha256) {
    await pending.discard();
    throw damaged(sha256, received.sha256);
  }
  await pending.commit();
  const record = { sha256, bytes: received.bytes, type: received.type, createdAt: new Date().toISOString() };
  const { inserted, stored } = await repo.insertPhoto(record);
  return {
    // Also 201 when the record was there but the bytes were not: they are stored now.
    status: inserted || !pending.alreadyStored ? 201 : 200,
    photo: { sha256, bytes: stored.bytes, type: stored.type },
  };
}

const noPhoto = (sha256: string): HttpError => notFound(`The server has no photo ${sha256}.`);

/**
 * The record of a photo the server holds, or 404; also 404 for a
 * supervisor when no submission of their forms names it, so that whether
 * it exists does not show.
 */
export async function findPhoto(
  repo: Repository,
  sha256: string,
  caller: Pick<Caller, 'user'>,
): Promise<PhotoRecord> {
  const record = await repo.getPhoto(sha256);
  if (!record) throw noPhoto(sha256);
  const forms = caller.user?.role === 'admin' ? null : (caller.user?.formIds ?? []);
  if (forms !== null && !(await repo.photoOnForms(sha256, forms))) throw noPhoto(sha256);
  return record;
}

/** The photo's bytes (those of range, when given), or 404 when the store has lost them. */
export async function openPhoto(photos: PhotoStore, sha256: string, range?: ByteRange): Promise<Readable> {
  const stream = await photos.open(sha256, range);
  if (!stream) throw noPhoto(sha256);
  return stream;
}

/** 404 when the store has lost the photo's bytes; reads none of them. */
export async function checkPhotoBytes(photos: PhotoStore, sha256: string): Promise<void> {
  if (!(await photos.exists(sha256))) throw noPhoto(sha256);
}
