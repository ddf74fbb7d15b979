/**
 * Getting a submission's photos to the server: one PUT per photo, named by
 * its hash, or, for a new submission of small photos, the photos and the
 * record together in one multipart request (a bundle). No DOM API: the
 * worker sends too.
 */
import type { PhotoRef, Receipt, SubmissionPayload } from '../../shared/submission.js';
import type { StoredPhoto } from '../../shared/outbox.js';
import { apiInit } from './api-request.js';
import { getPhoto } from './photos.js';
import {
  readApiError,
  readReceipt,
  Refused,
  REFUSALS,
  tooLarge,
  Transient,
  troubleBeyondTheSubmission,
  unreadable,
} from './server-answers.js';
import { sha256Hex } from './sha256-hex.js';
import type { Stores } from './stores.js';

/** A new submission whose photos come to no more than this goes as one bundle; larger ones photo by photo. */
export const BUNDLE_MAX_BYTES = 4 * 1024 * 1024;

/** A photo damaged on the way is sent again at once, this many times, before the attempt counts as failed. */
const PHOTO_RESENDS = 2;
/** Slowest upload speed we still wait for, in bytes per millisecond (16 kB/s). */
const SLOW_LINK_BYTES_PER_MS = 16;

/**
 * PUTs one photo. The server checks the bytes against their hash: a mismatch
 * means they were damaged on the way (sent again at once), unless the copy on
 * this device no longer hashes to its name, which no resend can mend.
 */
export async function uploadPhoto(
  ref: PhotoRef,
  photo: StoredPhoto,
  limit: (ms: number) => AbortSignal,
  timeout: number,
  fetcher: typeof fetch,
  base: string,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const sentAt = Date.now();
    const put = await fetcher(
      `${base}/api/photos/${ref.sha256}`,
      apiInit({
        method: 'PUT',
        headers: { 'Content-Type': photo.type },
        body: photo.data,
        signal: limit(timeout + photo.data.byteLength / SLOW_LINK_BYTES_PER_MS),
      }),
    );
    if (put.ok) {
      // Read to the end so a kept-alive connection is free for the next request.
      await put.arrayBuffer().catch(() => undefined);
      return;
    }
    await troubleBeyondTheSubmission(put, sentAt);
    if (put.status === 413) throw new Refused({ ...(await tooLarge(put, 'photo')), field: ref.field });
    const err = await readApiError(put);
    if (!err) throw unreadable(put.status);
    if (err.error === 'hash_mismatch') {
      if ((await sha256Hex(photo.data)) !== ref.sha256) {
        throw new Refused({
          error: 'hash_mismatch',
          field: ref.field,
          message:
            'A photo of this submission is damaged on this device. Open the submission, add the photo again and save.',
        });
      }
      if (attempt < PHOTO_RESENDS) continue;
      throw new Transient('A photo was damaged on the way to the server; it will be sent again.');
    }
    if (REFUSALS.has(err.error)) throw new Refused({ ...err, field: err.field ?? ref.field });
    throw new Transient(`${err.message} (HTTP ${put.status})`);
  }
}

/** A photo of the submission as stored on this device; Refused when it is gone. */
export async function localPhoto(ref: PhotoRef, s: Stores): Promise<StoredPhoto> {
  const photo = await getPhoto(ref.sha256, s);
  if (!photo) {
    throw new Refused({
      error: 'missing_photos',
      field: ref.field,
      message:
        'A photo of this submission is no longer on this device. Open it, add the photo again and save.',
      missing: [ref.sha256],
    });
  }
  return photo;
}

/**
 * PUTs the record and its photos in one multipart request. Resolves to the
 * receipt, or to null when the bundle did not go through for a reason the
 * photo-by-photo path judges better (an older server without bundles, a
 * photo damaged on the way, a proxy's size limit, a refusal of the record):
 * the caller then sends that way. Throws Transient for the server or the
 * network, and the device's credential trouble, as every request does.
 */
export async function sendBundle(
  payload: SubmissionPayload,
  body: string,
  s: Stores,
  limit: (ms: number) => AbortSignal,
  timeout: number,
  fetcher: typeof fetch,
  base: string,
): Promise<Receipt | null> {
  const parts: BundlePart[] = [];
  for (const ref of payload.photos) {
    const photo = await localPhoto(ref, s);
    parts.push({ field: 'photo', name: ref.sha256, type: photo.type, data: new Uint8Array(photo.data) });
  }
  // Named by its hash, as the photos are: the server stores nothing damaged on the way.
  const record = new TextEncoder().encode(body);
  parts.push({
    field: 'submission',
    name: await sha256Hex(record.buffer),
    type: 'application/json',
    data: record,
  });
  const { bytes, contentType } = multipart(parts);
  const sentAt = Date.now();
  const res = await fetcher(
    `${base}/api/submissions/${payload.id}/bundle`,
    apiInit({
      method: 'PUT',
      headers: { 'Content-Type': contentType },
      body: bytes,
      signal: limit(timeout + bytes.byteLength / SLOW_LINK_BYTES_PER_MS),
    }),
  );
  if (res.status === 200 || res.status === 201) return readReceipt(res, payload.id);
  await troubleBeyondTheSubmission(res, sentAt);
  // Read to the end so a kept-alive connection is free for the next request.
  await res.arrayBuffer().catch(() => undefined);
  return null;
}

interface BundlePart {
  field: 'photo' | 'submission';
  /** The file name: the SHA-256 of data, in hex. */
  name: string;
  type: string;
  data: Uint8Array<ArrayBuffer>;
}

/**
 * A multipart/form-data body in one buffer. Built by hand rather than as
 * FormData because FormData's parts are Blobs, each registered with the
 * browser's blob store and read back by the network service: a cost per
 * part that a draining outbox pays hundreds of times. Names and file names
 * here are fixed words and hex, so nothing needs escaping; a boundary that
 * happened to occur in a photo would only fail the hash checks.
 */
function multipart(parts: readonly BundlePart[]): { bytes: Uint8Array<ArrayBuffer>; contentType: string } {
  const boundary = `fieldsync-${crypto.randomUUID()}`;
  const text = new TextEncoder();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for (const p of parts) {
    chunks.push(
      text.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"; filename="${p.name}"\r\n` +
          `Content-Type: ${p.type}\r\n\r\n`,
      ),
      p.data,
      text.encode('\r\n'),
    );
  }
  chunks.push(text.encode(`--${boundary}--\r\n`));
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { bytes, contentType: `multipart/form-data; boundary=${boundary}` };
}
