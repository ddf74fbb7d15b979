/**
 * A form's export as a ZIP: the CSV first (deflated), its photo cells
 * naming the files beside it, then every photo of the exported submissions
 * once, stored as they are (JPEG, PNG and WebP are compressed already),
 * read from the photo store. fflate's Zip writes entries one after the
 * other, so each is pushed whole before the next is added; anything added
 * early would wait in memory.
 */
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { PhotoType } from '../../shared/submission.js';
import { badRequest } from '../errors.js';
import type { PhotoStore } from '../storage/photo-store.js';
import type { ReviewQuery } from '../storage/review-listing.js';
import { photoFile } from './answers.js';
import { csvText, planCsv, type CsvExport, type CsvSources } from './csv.js';
import { walkPages, type ExportItem } from './walk.js';

/**
 * fflate writes no ZIP64: every offset and size must fit in 32 bits, and the
 * entries in 16. The CSV's share is kept aside, as its compressed size is
 * known only once written.
 */
const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;
const CSV_ALLOWANCE = 512 * 1024 * 1024;
/** A photo entry's bytes besides its data: local header, data descriptor, central directory record. */
const ENTRY_OVERHEAD = 30 + 16 + 46;
const NAME_BYTES = photoFile('0'.repeat(64), 'image/webp').length;

interface PhotoEntry {
  type: PhotoType;
  bytes: number;
}

export interface ZipSources extends CsvSources {
  photos: PhotoStore;
}

export interface ZipExport {
  csv: CsvExport;
  csvName: string;
  photos: PhotoStore;
}

/** Each photo the items name, once: the ZIP's photo entries. */
function notePhotos(items: ExportItem[], into: Map<string, PhotoEntry>): void {
  for (const { submission } of items)
    for (const p of submission.payload.photos) into.set(p.sha256, { type: p.type, bytes: p.bytes });
}

/** The bytes the photos take in the archive, with their headers and directory records. */
function photoBytes(photos: Map<string, PhotoEntry>): number {
  let total = 0;
  for (const p of photos.values()) total += p.bytes + ENTRY_OVERHEAD + 2 * NAME_BYTES;
  return total;
}

/**
 * Plans the ZIP: reads the filtered set once to learn its photos (their
 * sizes are in the submissions), and refuses, before a byte is sent, a set
 * that no ZIP without ZIP64 can hold. Memory grows with the photos counted,
 * as the archive's own directory does, and these are bounded by that limit.
 */
export async function planZip(src: ZipSources, query: ReviewQuery, csvName: string): Promise<ZipExport> {
  const csv = await planCsv(src, query, photoFile);
  const counted = new Map<string, PhotoEntry>();
  const walk = walkPages(src.repo, query, csv.snapshot, { pageSize: src.pageSize, comments: false });
  for await (const items of walk) notePhotos(items, counted);
  if (counted.size + 1 > MAX_ENTRIES || photoBytes(counted) > MAX_BYTES - CSV_ALLOWANCE)
    throw badRequest(
      `These submissions have ${counted.size} photos, ${Math.ceil(photoBytes(counted) / 2 ** 20)} MiB: more than one ZIP holds (${MAX_ENTRIES - 1} photos, 3.5 GiB). Narrow the filter, by capture days for example, and export in parts.`,
    );
  return { csv, csvName, photos: src.photos };
}

/** The archive's bytes, each chunk handed on before more is read. */
export async function* zipBytes(zip: ZipExport): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failed: Error | null = null;
  let written = 0;
  const archive = new Zip((err, chunk) => {
    if (err) failed = err;
    else {
      written += chunk.length;
      out.push(chunk);
    }
  });
  const flush = function* (): Generator<Uint8Array> {
    if (failed) throw failed;
    yield* out.splice(0);
  };

  // The CSV as it is written, noting the photos of its rows: those, and only those, follow it.
  const photos = new Map<string, PhotoEntry>();
  const csv = new ZipDeflate(zip.csvName, { level: 6 });
  archive.add(csv);
  for await (const text of csvText(zip.csv, (items) => notePhotos(items, photos))) {
    csv.push(Buffer.from(text));
    yield* flush();
  }
  csv.push(new Uint8Array(0), true);
  yield* flush();

  // The rows may have changed since they were counted (a review moves one into the filter).
  const directory = photos.size * (46 + NAME_BYTES) + 46 + zip.csvName.length + 22;
  if (photos.size + 1 > MAX_ENTRIES) throw new Error('The export has grown past what a ZIP holds.');
  for (const [sha256, photo] of photos) {
    if (written + photo.bytes + ENTRY_OVERHEAD + NAME_BYTES + directory > MAX_BYTES)
      throw new Error('The export has grown past what a ZIP holds.');
    const entry = new ZipPassThrough(photoFile(sha256, photo.type));
    archive.add(entry);
    const bytes = await zip.photos.open(sha256);
    if (!bytes) throw new Error(`The photo store has lost photo ${sha256}.`);
    for await (const chunk of bytes) {
      entry.push(chunk as Buffer);
      yield* flush();
    }
    entry.push(new Uint8Array(0), true);
    yield* flush();
  }
  archive.end();
  yield* flush();
}
