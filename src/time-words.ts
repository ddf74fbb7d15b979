/** Times and counts as a person reads them at a glance: "5 minutes ago", "2 days", "20,000". */

/*
 * Written out here rather than by Intl: the first Intl formatter of a page
 * loads the locale's data, a long task on a cheap phone at the moment a
 * screen is drawn. The app's words are English, and so are these.
 */

type Unit = 'day' | 'hour' | 'minute';

const UNITS: [Unit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

function unitOf(ms: number): [Unit, number] {
  return UNITS.find(([, size]) => Math.abs(ms) >= size) ?? ['minute', 60_000];
}

const count = (n: number, unit: Unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "5 minutes ago", "yesterday", "in 2 hours", "just now". */
export function ago(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  if (Math.abs(ms) < 60_000) return 'just now';
  const [unit, size] = unitOf(ms);
  const n = Math.round(ms / size);
  if (unit === 'day' && n === -1) return 'yesterday';
  if (unit === 'day' && n === 1) return 'tomorrow';
  return n < 0 ? `${count(-n, unit)} ago` : `in ${count(n, unit)}`;
}

/** How long since iso: "2 days", "3 hours", "under a minute". */
export function age(iso: string, now = Date.now()): string {
  const ms = Math.max(0, now - Date.parse(iso));
  if (ms < 60_000) return 'under a minute';
  const [unit, size] = unitOf(ms);
  return count(Math.floor(ms / size), unit);
}

const two = (n: number) => String(n).padStart(2, '0');

/** "14:05" in the device's time zone. */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** "2025-06-01 14:05" in the device's time zone. */
export function numericTime(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** "20,000", as toLocaleString('en') says it. */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
