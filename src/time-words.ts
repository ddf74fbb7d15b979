/** Times as a person reads them at a glance: "5 minutes ago", "2 days". */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

function unitOf(ms: number): [Intl.RelativeTimeFormatUnit, number] {
  return UNITS.find(([, size]) => Math.abs(ms) >= size) ?? ['minute', 60_000];
}

/** "5 minutes ago", "yesterday", "just now". */
export function ago(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  if (Math.abs(ms) < 60_000) return 'just now';
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const [unit, size] = unitOf(ms);
  return rtf.format(Math.round(ms / size), unit);
}

/** How long since iso: "2 days", "3 hours", "under a minute". */
export function age(iso: string, now = Date.now()): string {
  const ms = Math.max(0, now - Date.parse(iso));
  if (ms < 60_000) return 'under a minute';
  const [unit, size] = unitOf(ms);
  return new Intl.NumberFormat(undefined, { style: 'unit', unit, unitDisplay: 'long' }).format(
    Math.floor(ms / size),
  );
}

/**
 * "2025-06-01 14:05" in the device's time zone. Made without Intl: the
 * first toLocaleString() of a page loads the locale's data, a long task on
 * a phone, which the start screen's "refreshed at" line would otherwise pay.
 */
export function numericTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
