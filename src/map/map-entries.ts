/** The map screen's views of the outbox index: its order, its summary, what is in view. */
import type { SubmissionStatus } from '../../shared/outbox.js';
import type { OutboxEntry } from '../core/outbox-index.js';
import { STATUSES } from './status-style.js';

const URGENCY = new Map(STATUSES.map((status, i) => [status, i]));

/** Most urgent status first (the legend's order), newest first within a status. */
export function byUrgency(entries: readonly OutboxEntry[]): OutboxEntry[] {
  return [...entries].sort(
    (a, b) =>
      (URGENCY.get(a.status) ?? 0) - (URGENCY.get(b.status) ?? 0) ||
      (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0),
  );
}

/** What the legend, filters and lists need from the entries: worked out when they change, not on every pan. */
export interface MapSummary {
  located: OutboxEntry[];
  /** Most urgent first. */
  unlocated: OutboxEntry[];
  counts: ReadonlyMap<SubmissionStatus, number>;
  formIds: string[];
  withPhotos: boolean;
}

export function summarize(entries: readonly OutboxEntry[]): MapSummary {
  const counts = new Map<SubmissionStatus, number>();
  const located: OutboxEntry[] = [];
  const unlocated: OutboxEntry[] = [];
  const formIds = new Set<string>();
  let withPhotos = false;
  for (const e of entries) {
    counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
    (e.location ? located : unlocated).push(e);
    formIds.add(e.formId);
    withPhotos ||= e.photos.some((p) => p.geotag);
  }
  return { located, unlocated: byUrgency(unlocated), counts, formIds: [...formIds], withPhotos };
}

/** Inside the view; everything counts while the map has no view yet. */
export function inBounds(
  e: OutboxEntry,
  view: { bounds: { south: number; west: number; north: number; east: number } } | null,
): boolean {
  const loc = e.location;
  if (!loc || !view) return true;
  const b = view.bounds;
  return loc.lat >= b.south && loc.lat <= b.north && loc.lon >= b.west && loc.lon <= b.east;
}
