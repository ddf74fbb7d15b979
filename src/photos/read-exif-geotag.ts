import { parse, type ExifrOptions } from 'exifr/dist/lite.esm.mjs';
import type { PhotoGeotag } from '../../shared/submission.js';

/**
 * Picks per block, not exifr's global `pick`, which throws in the lite build. Raw
 * values: exifr's revived dates are in the worker's zone and drop the offset.
 */
const OPTIONS: ExifrOptions = {
  ifd0: false,
  ifd1: false,
  interop: false,
  xmp: false,
  exif: ['DateTimeOriginal', 'OffsetTimeOriginal'],
  gps: [
    'GPSLatitudeRef',
    'GPSLatitude',
    'GPSLongitudeRef',
    'GPSLongitude',
    'GPSStatus',
    'GPSDateStamp',
    'GPSTimeStamp',
    'GPSHPositioningError',
  ],
  reviveValues: false,
  translateValues: false,
  mergeOutput: true,
};

/**
 * Where the photo says it was taken, from its EXIF GPS tags, or null when it
 * has none usable. Unreadable metadata is not an error: the photo is still good.
 */
export async function readExifGeotag(file: Blob): Promise<PhotoGeotag | null> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await parse(file, OPTIONS);
  } catch {
    return null;
  }
  if (!tags) return null;

  const lat = tags['latitude'];
  const lon = tags['longitude'];
  if (typeof lat !== 'number' || typeof lon !== 'number') return null;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180)
    return null;
  // 'V' marks a void fix, and 0,0 is what some cameras write when they have none.
  if (tags['GPSStatus'] === 'V' || (lat === 0 && lon === 0)) return null;

  const error = tags['GPSHPositioningError'];
  return {
    lat,
    lon,
    accuracy: typeof error === 'number' && Number.isFinite(error) && error >= 0 ? error : null,
    time: gpsTime(tags) ?? originalTime(tags),
    source: 'exif',
  };
}

/** GPSDateStamp and GPSTimeStamp are UTC by definition. */
function gpsTime(tags: Record<string, unknown>): string | null {
  const date = tags['GPSDateStamp'];
  const time = tags['GPSTimeStamp'];
  if (typeof date !== 'string' || !Array.isArray(time) || time.length !== 3) return null;
  const [y, mo, d] = date.trim().split(/[:-]/).map(Number);
  const [h, mi, s] = time.map(Number);
  if (y === undefined || mo === undefined || d === undefined) return null;
  if (h === undefined || mi === undefined || s === undefined) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, 0, Math.round(s * 1000));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * DateTimeOriginal is the camera's wall-clock time. With OffsetTimeOriginal it is
 * exact; without, it is read in this device's zone, where the photo was most likely taken.
 */
function originalTime(tags: Record<string, unknown>): string | null {
  const original = tags['DateTimeOriginal'];
  if (typeof original !== 'string') return null;
  const match = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(original.trim());
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const offset = tags['OffsetTimeOriginal'];
  const zone = typeof offset === 'string' ? /^([+-])(\d{2}):(\d{2})$/.exec(offset.trim()) : null;
  let ms: number;
  if (zone) {
    const sign = zone[1] === '-' ? -1 : 1;
    const offsetMinutes = sign * (Number(zone[2]) * 60 + Number(zone[3]));
    ms = Date.UTC(y, mo - 1, d, h, mi, s) - offsetMinutes * 60_000;
  } else {
    ms = new Date(y, mo - 1, d, h, mi, s).getTime();
  }
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
