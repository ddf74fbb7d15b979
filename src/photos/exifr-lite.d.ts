/**
 * Types for exifr's lite browser build, covering what this folder uses. The
 * package's own types pull in @types/node (`/// <reference types="node" />`),
 * which would put Node's globals into page code; the lite build also leaves out
 * the Node file readers and the dictionaries of tags photos here never need.
 */
declare module 'exifr/dist/lite.esm.mjs' {
  /** A block or segment: false skips it, a list of tag names reads only those. */
  type Block = boolean | string[];

  export interface ExifrOptions {
    ifd0?: Block;
    ifd1?: Block;
    exif?: Block;
    gps?: Block;
    interop?: Block;
    xmp?: boolean;
    translateValues?: boolean;
    reviveValues?: boolean;
    mergeOutput?: boolean;
  }

  /** Tags by name, plus latitude and longitude in signed degrees when GPS is present. */
  export function parse(
    input: Blob | ArrayBuffer | Uint8Array,
    options?: ExifrOptions,
  ): Promise<Record<string, unknown> | undefined>;
}
