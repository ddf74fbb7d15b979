/** Image formats recognised by their first bytes. */
export type ImageKind = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'heic' | 'avif';

/** How many leading bytes sniffImageKind needs. */
export const SNIFF_BYTES = 12;

/**
 * The image format that a file's first bytes announce, or null. The bytes are
 * trusted over the file's type and name, which pickers and renames get wrong.
 */
export function sniffImageKind(head: Uint8Array): ImageKind | null {
  const startsWith = (bytes: readonly number[], at = 0): boolean =>
    bytes.every((byte, i) => head[at + i] === byte);
  const ascii = (text: string, at = 0): boolean =>
    startsWith(
      Array.from(text, (c) => c.charCodeAt(0)),
      at,
    );

  if (startsWith([0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii('RIFF') && ascii('WEBP', 8)) return 'webp';
  if (ascii('GIF8')) return 'gif';
  if (ascii('BM')) return 'bmp';
  // ISO base media files (HEIC, AVIF) start with an ftyp box whose major brand follows.
  if (ascii('ftyp', 4)) {
    if (ascii('avif', 8) || ascii('avis', 8)) return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].some((brand) => ascii(brand, 8))) {
      return 'heic';
    }
  }
  return null;
}
