import { encodeJpeg } from './encode-jpeg.js';
import { fitWithin } from './fit-within.js';
import { PhotoError } from './photo-error.js';
import type { PreparedPhoto } from './photo-messages.js';
import { readExifGeotag } from './read-exif-geotag.js';
import { sha256Hex } from '../core/sha256-hex.js';
import { SNIFF_BYTES, sniffImageKind, type ImageKind } from './sniff-image-kind.js';

const PHOTO_QUALITY = 0.85;
const THUMBNAIL_QUALITY = 0.8;
/** iOS Safari refuses canvases larger than this. */
const MAX_CANVAS_PIXELS = 16_777_216;
const IMAGE_NAME = /\.(jpe?g|png|webp|gif|bmp|hei[cf]|avif)$/i;

/**
 * Decodes a photo (EXIF orientation applied), scales it down and re-encodes it
 * as JPEG with a thumbnail. Only the output-sized images are ever drawn on a
 * canvas; the full-size picture exists only as an ImageBitmap, closed as soon
 * as possible. Refusals are PhotoErrors.
 */
export async function preparePhoto(
  file: Blob,
  name: string | undefined,
  maxLongSide: number,
  thumbnailLongSide: number,
): Promise<PreparedPhoto> {
  const kind = sniffImageKind(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
  if (!kind) {
    const claimsImage = file.type.startsWith('image/') || (name !== undefined && IMAGE_NAME.test(name));
    throw new PhotoError(claimsImage ? 'unreadable' : 'not-an-image', name);
  }

  // Only JPEG and HEIC carry EXIF that exifr's lite build reads.
  const geotag = kind === 'jpeg' || kind === 'heic' ? readExifGeotag(file) : Promise.resolve(null);
  const full = await decode(file, kind, name);

  let photo: ImageBitmap;
  try {
    photo = await scaleDown(full, maxLongSide);
  } finally {
    full.close();
  }
  try {
    const data = await encodeJpeg(photo, PHOTO_QUALITY);
    const thumbnailBitmap = await scaleDown(photo, thumbnailLongSide);
    let thumbnail: ArrayBuffer;
    try {
      thumbnail = await encodeJpeg(thumbnailBitmap, THUMBNAIL_QUALITY);
    } finally {
      thumbnailBitmap.close();
    }
    return {
      data,
      sha256: await sha256Hex(data),
      width: photo.width,
      height: photo.height,
      thumbnail,
      geotag: await geotag,
    };
  } finally {
    photo.close();
  }
}

async function decode(file: Blob, kind: ImageKind, name: string | undefined): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (cause) {
    // Recognised bytes that will not decode: damaged, or a format this browser lacks.
    const reason = kind === 'heic' || kind === 'avif' ? 'unsupported' : 'unreadable';
    throw new PhotoError(reason, name, { cause });
  }
}

/** A new bitmap at most maxLongSide on its long side; the source stays open. */
function scaleDown(source: ImageBitmap, maxLongSide: number): Promise<ImageBitmap> {
  let size = fitWithin(source.width, source.height, maxLongSide);
  const pixels = size.width * size.height;
  if (pixels > MAX_CANVAS_PIXELS) {
    const longSide = Math.max(size.width, size.height);
    size = fitWithin(size.width, size.height, Math.floor(longSide * Math.sqrt(MAX_CANVAS_PIXELS / pixels)));
  }
  return createImageBitmap(source, {
    resizeWidth: size.width,
    resizeHeight: size.height,
    resizeQuality: 'high',
  });
}
