/**
 * The messages between processPhoto on the page and the photo worker.
 * Each request carries an id; the reply to it carries the same id.
 */
import type { PhotoGeotag } from '../../shared/submission.js';

/**
 * Why a photo was refused. not-an-image: the file is some other kind of file.
 * unreadable: it claims to be an image but cannot be decoded (damaged, cut short).
 * unsupported: an image format this browser cannot decode (HEIC outside Safari).
 * failed: anything else (out of memory, encoder refused, worker lost).
 */
export type PhotoFailure = 'not-an-image' | 'unreadable' | 'unsupported' | 'failed';

export interface ProcessRequest {
  id: number;
  type: 'process';
  payload: {
    /** Sent by structured clone, which shares the bytes rather than copying them. */
    file: Blob;
    name: string | undefined;
    maxLongSide: number;
    thumbnailLongSide: number;
  };
}

/** The re-encoded photo; geotag is only what the photo's own EXIF says. */
export interface PreparedPhoto {
  data: ArrayBuffer;
  sha256: string;
  width: number;
  height: number;
  thumbnail: ArrayBuffer;
  geotag: PhotoGeotag | null;
}

export interface ProcessedReply {
  id: number;
  type: 'processed';
  payload: PreparedPhoto;
}

export interface FailedReply {
  id: number;
  type: 'failed';
  /** detail is for diagnostics only; the user sees the message made from reason. */
  payload: { reason: PhotoFailure; detail: string };
}

export type PhotoWorkerRequest = ProcessRequest;
export type PhotoWorkerReply = ProcessedReply | FailedReply;
