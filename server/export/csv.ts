/**
 * A form's filtered submissions as CSV (RFC 4180: CRLF line ends, a field
 * quoted when it holds a comma, a quote or a line break, quotes doubled),
 * in UTF-8 with a byte order mark so that spreadsheet programs read
 * non-ASCII text right (scripts: read it as utf-8-sig, or with csv-parse's
 * `bom` option). Written a page at a time.
 */
import type { CurrentReference } from '../current-reference.js';
import type { Repository } from '../storage/repository.js';
import type { ReviewQuery } from '../storage/review-listing.js';
import { AnswerLabels, ExportForms, type PhotoName } from './answers.js';
import { formColumns, type Cell, type Column } from './columns.js';
import { planFormExport, walkPages, type ExportItem } from './walk.js';

const BOM = '\uFEFF';

/**
 * Text a spreadsheet would run as a formula (=, +, -, @) or that hides
 * behind a tab or carriage return: prefixed with a single quote, as OWASP
 * advises against CSV injection. Numbers are written as they are.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The CSV of one form: its header row with the byte order mark, then the rows of each page. */
export interface CsvExport {
  /** The highest seq it lists (walk.ts); null when the set is empty. */
  snapshot: number | null;
  /** Form versions in the export, by their key, for reading each row's answers. */
  forms: ExportForms;
  columns: Column[];
  pages: AsyncIterable<ExportItem[]>;
}

export interface CsvSources {
  repo: Repository;
  reference: CurrentReference;
  pageSize: number;
}

/**
 * Plans a form's CSV: the versions in the filtered set and so its columns.
 * Everything that may refuse the request happens here, before a byte is sent.
 */
export async function planCsv(src: CsvSources, query: ReviewQuery, photoName: PhotoName): Promise<CsvExport> {
  const plan = await planFormExport(src.repo, src.reference, query);
  const labels = new AnswerLabels((await src.reference.current()).data);
  return {
    snapshot: plan.snapshot,
    forms: new ExportForms(src.repo, src.reference, plan.forms),
    columns: formColumns(plan.forms, { labels, photoName }),
    pages: walkPages(src.repo, query, plan.snapshot, { pageSize: src.pageSize, comments: true }),
  };
}

/** The rows of one page as CSV text, each with the form version it was captured on. */
async function pageText(csv: CsvExport, items: ExportItem[]): Promise<string> {
  let text = '';
  for (const item of items) {
    const { formId, formVersion } = item.submission.payload;
    const row = { ...item, form: await csv.forms.get(formId, formVersion) };
    text += csvLine(csv.columns.map((c) => c.cell(row)));
  }
  return text;
}

/** The CSV, one chunk a page (the header first), each written before the next page is read. */
export async function* csvText(csv: CsvExport, each?: (items: ExportItem[]) => void): AsyncGenerator<string> {
  yield BOM + csvLine(csv.columns.map((c) => c.header));
  for await (const items of csv.pages) {
    each?.(items);
    if (items.length > 0) yield await pageText(csv, items);
  }
}

/** A name for a file of the export: the form and today's date (UTC), in characters safe in any header. */
export function exportFileName(formId: string | null, now: Date, extension: string): string {
  const base = (formId ?? 'submissions').replace(/[^A-Za-z0-9._-]/g, '_');
  return `${base}-${now.toISOString().slice(0, 10)}.${extension}`;
}
