/**
 * Makes JPEG fixtures in the browser: a canvas drawing encoded as JPEG, with an
 * EXIF APP1 segment (orientation, GPS, capture time) written by hand after SOI.
 * Nothing binary is checked in, and benchmarks can make 12-megapixel photos.
 */

export interface MakeJpegOptions {
  /** Stored size, before any EXIF orientation is applied. */
  width: number;
  height: number;
  /** EXIF Orientation, 1-8; omitted means no Orientation tag. */
  orientation?: number;
  /** EXIF GPS; time is written as GPSDateStamp and GPSTimeStamp (UTC). */
  gps?: { lat: number; lon: number; time?: Date | string; accuracy?: number };
  /** EXIF DateTimeOriginal as the camera writes it: "YYYY:MM:DD HH:MM:SS". */
  dateTimeOriginal?: string;
  /** EXIF OffsetTimeOriginal, e.g. "+02:00". */
  offsetTimeOriginal?: string;
  /** JPEG quality, 0-1; default 0.9. */
  quality?: number;
  /** Random pixels instead of flat colour, for realistic file sizes. */
  noise?: boolean;
}

/** The flat background colour, RGB. */
export const BACKGROUND: readonly [number, number, number] = [0, 0, 255];
/** The marker in the stored image's top-left corner, RGB. */
export const MARKER: readonly [number, number, number] = [255, 0, 0];

/** The marker's side in pixels: a quarter of the stored image's short side. */
export function markerSize(width: number, height: number): number {
  return Math.max(1, Math.floor(Math.min(width, height) / 4));
}

export async function makeJpeg(options: MakeJpegOptions): Promise<Blob> {
  const { width, height } = options;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas context.');
  if (options.noise) {
    const pixels = context.createImageData(width, height);
    const random = new Uint32Array(pixels.data.buffer);
    for (let i = 0; i < random.length; i++) random[i] = (Math.random() * 0x1000000) | 0xff000000;
    context.putImageData(pixels, 0, 0);
  } else {
    context.fillStyle = rgb(BACKGROUND);
    context.fillRect(0, 0, width, height);
  }
  const marker = markerSize(width, height);
  context.fillStyle = rgb(MARKER);
  context.fillRect(0, 0, marker, marker);

  const encoded = await canvas.convertToBlob({ type: 'image/jpeg', quality: options.quality ?? 0.9 });
  const jpeg = new Uint8Array(await encoded.arrayBuffer());
  const app1 = exifSegment(options);
  if (!app1) return new Blob([jpeg], { type: 'image/jpeg' });
  // Right after SOI (FF D8), where cameras put it.
  return new Blob([jpeg.subarray(0, 2), app1, jpeg.subarray(2)], { type: 'image/jpeg' });
}

function rgb([r, g, b]: readonly [number, number, number]): string {
  return `rgb(${r}, ${g}, ${b})`;
}

// TIFF field types.
const BYTE = 1;
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

interface Field {
  tag: number;
  type: number;
  count: number;
  /** The value, big-endian. */
  bytes: number[];
}

const short = (tag: number, value: number): Field => ({ tag, type: SHORT, count: 1, bytes: u16(value) });
const long = (tag: number, value: number): Field => ({ tag, type: LONG, count: 1, bytes: u32(value) });
const ascii = (tag: number, text: string): Field => {
  const bytes = [...Array.from(text, (c) => c.charCodeAt(0)), 0];
  return { tag, type: ASCII, count: bytes.length, bytes };
};
const rationals = (tag: number, values: readonly number[]): Field => ({
  tag,
  type: RATIONAL,
  count: values.length,
  // A millionth is finer than any GPS needs and keeps numerators within 32 bits.
  bytes: values.flatMap((value) => [...u32(Math.round(value * 1e6)), ...u32(1e6)]),
});

function u16(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** Bytes an IFD takes: count, entries, next-IFD offset, then values over 4 bytes (word aligned). */
function ifdSize(fields: Field[]): number {
  const overflow = fields.reduce(
    (sum, f) => sum + (f.bytes.length > 4 ? f.bytes.length + (f.bytes.length % 2) : 0),
    0,
  );
  return 2 + fields.length * 12 + 4 + overflow;
}

/** One IFD at `offset` from the TIFF header, entries sorted by tag as TIFF requires. */
function writeIfd(fields: Field[], offset: number): number[] {
  const sorted = [...fields].sort((a, b) => a.tag - b.tag);
  const entries: number[] = [...u16(sorted.length)];
  const values: number[] = [];
  let valueOffset = offset + 2 + sorted.length * 12 + 4;
  for (const field of sorted) {
    entries.push(...u16(field.tag), ...u16(field.type), ...u32(field.count));
    if (field.bytes.length <= 4) {
      entries.push(...field.bytes, ...new Array<number>(4 - field.bytes.length).fill(0));
    } else {
      entries.push(...u32(valueOffset));
      values.push(...field.bytes);
      if (field.bytes.length % 2) values.push(0);
      valueOffset += field.bytes.length + (field.bytes.length % 2);
    }
  }
  entries.push(...u32(0));
  return [...entries, ...values];
}

function dms(degrees: number): number[] {
  const abs = Math.abs(degrees);
  const d = Math.floor(abs);
  const minutes = (abs - d) * 60;
  const m = Math.floor(minutes);
  return [d, m, (minutes - m) * 60];
}

function gpsFields(gps: NonNullable<MakeJpegOptions['gps']>): Field[] {
  const fields: Field[] = [
    { tag: 0x0000, type: BYTE, count: 4, bytes: [2, 3, 0, 0] }, // GPSVersionID
    ascii(0x0001, gps.lat < 0 ? 'S' : 'N'),
    rationals(0x0002, dms(gps.lat)),
    ascii(0x0003, gps.lon < 0 ? 'W' : 'E'),
    rationals(0x0004, dms(gps.lon)),
  ];
  if (gps.time !== undefined) {
    const time = new Date(gps.time);
    const pad = (n: number): string => String(n).padStart(2, '0');
    fields.push(
      rationals(0x0007, [time.getUTCHours(), time.getUTCMinutes(), time.getUTCSeconds()]),
      ascii(0x001d, `${time.getUTCFullYear()}:${pad(time.getUTCMonth() + 1)}:${pad(time.getUTCDate())}`),
    );
  }
  if (gps.accuracy !== undefined) fields.push(rationals(0x001f, [gps.accuracy])); // GPSHPositioningError
  return fields;
}

/** The APP1 segment (marker, length, "Exif\0\0", big-endian TIFF), or null when there is nothing to say. */
function exifSegment(options: MakeJpegOptions): Uint8Array<ArrayBuffer> | null {
  const ifd0: Field[] = options.orientation === undefined ? [] : [short(0x0112, options.orientation)];
  const exif: Field[] = [];
  if (options.dateTimeOriginal !== undefined) exif.push(ascii(0x9003, options.dateTimeOriginal));
  if (options.offsetTimeOriginal !== undefined) exif.push(ascii(0x9011, options.offsetTimeOriginal));
  const gps = options.gps ? gpsFields(options.gps) : [];
  if (ifd0.length + exif.length + gps.length === 0) return null;

  // Pointer values are filled in once the sizes before each sub-IFD are known.
  const exifPointer = long(0x8769, 0);
  const gpsPointer = long(0x8825, 0);
  if (exif.length) ifd0.push(exifPointer);
  if (gps.length) ifd0.push(gpsPointer);
  const ifd0Offset = 8;
  const exifOffset = ifd0Offset + ifdSize(ifd0);
  const gpsOffset = exifOffset + (exif.length ? ifdSize(exif) : 0);
  exifPointer.bytes = u32(exifOffset);
  gpsPointer.bytes = u32(gpsOffset);

  const byteOrderAndMagic = [0x4d, 0x4d, 0x00, 0x2a]; // "MM" (big-endian), 42
  const tiff = [
    ...byteOrderAndMagic,
    ...u32(ifd0Offset),
    ...writeIfd(ifd0, ifd0Offset),
    ...(exif.length ? writeIfd(exif, exifOffset) : []),
    ...(gps.length ? writeIfd(gps, gpsOffset) : []),
  ];
  const header = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  return new Uint8Array([0xff, 0xe1, ...u16(2 + header.length + tiff.length), ...header, ...tiff]);
}
