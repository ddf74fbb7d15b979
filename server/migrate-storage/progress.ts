/** Where the command's lines go. */
export type Out = (line: string) => void;

/** 1,234,567 */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** 1.5 GB: decimal units, as disks and buckets are sold. */
export function size(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 12.3 s */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** At most one line this often while the items come slowly (large photos). */
const QUIET_MS = 10_000;

/**
 * Progress lines for one phase, "copying photos: 300 of 1,000 (1.2 MB)":
 * about `lines` of them over the total (never more often than every
 * `lines` items), one after QUIET_MS without any, and a last one when the
 * phase ends.
 */
export class Progress {
  readonly #out: Out;
  readonly #label: string;
  readonly #total: number | null;
  readonly #step: number;
  #items = 0;
  #bytes = 0;
  #shownAt = 0;
  #shownItems = 0;

  constructor(out: Out, label: string, total: number | null, lines: number) {
    this.#out = out;
    this.#label = label;
    this.#total = total;
    this.#step = total === null ? 100 * lines : Math.max(lines, Math.ceil(total / lines));
    this.#shownAt = Date.now();
  }

  /** Counts items done (and their bytes), printing a line when one is due. */
  advance(items: number, bytes = 0): void {
    this.#items += items;
    this.#bytes += bytes;
    if (this.#items - this.#shownItems >= this.#step || Date.now() - this.#shownAt >= QUIET_MS) this.#show();
  }

  /** Prints the last line, unless the one before already said it all. */
  finish(): void {
    if (this.#items !== this.#shownItems || this.#items === 0) this.#show();
  }

  #show(): void {
    const of = this.#total === null ? '' : ` of ${count(this.#total)}`;
    const bytes = this.#bytes > 0 ? ` (${size(this.#bytes)})` : '';
    this.#out(`${this.#label}: ${count(this.#items)}${of}${bytes}`);
    this.#shownAt = Date.now();
    this.#shownItems = this.#items;
  }
}

/** Problems to report, the first LIMIT kept word for word, the rest only counted. */
export class Problems {
  static readonly LIMIT = 100;
  readonly listed: string[] = [];
  count = 0;

  add(problem: string): void {
    if (this.count++ < Problems.LIMIT) this.listed.push(problem);
  }

  /** The problems as lines to print, with how many more were left out. */
  lines(): string[] {
    const more = this.count - this.listed.length;
    return [...this.listed.map((p) => `  - ${p}`), ...(more > 0 ? [`  (and ${count(more)} more)`] : [])];
  }
}
