import type { SubmissionStatus } from '../../shared/outbox.js';
import { DEFAULT_PHOTO_FAR_METRES } from '../../shared/review-flags.js';

/** How a status is drawn on the map. */
export interface MarkerStyle {
  color: string;
  /** Circle radius in pixels. */
  radius: number;
  /** Outline width in pixels. */
  weight: number;
  /** Canvas dash pattern of the outline; undefined for a solid line. */
  dashArray: string | undefined;
  fillOpacity: number;
}

/**
 * Colours match the status chips (src/styles/status.ts). Size, outline and
 * fill differ too, so statuses stay distinguishable without colour vision:
 * rejected is the largest and solid, waiting has a dashed ring, sent is a
 * small hollow dot. No Leaflet here, so the legend can use it before the map loads.
 */
export const MARKER_STYLE: Record<SubmissionStatus, MarkerStyle> = {
  rejected: { color: '#b00020', radius: 10, weight: 3, dashArray: undefined, fillOpacity: 0.9 },
  waiting: { color: '#6b3fa0', radius: 9, weight: 3, dashArray: '4 3', fillOpacity: 0.5 },
  queued: { color: '#8a4b00', radius: 8, weight: 2, dashArray: undefined, fillOpacity: 0.7 },
  sending: { color: '#0b5394', radius: 7, weight: 2, dashArray: '2 2', fillOpacity: 0.7 },
  sent: { color: '#1b6e20', radius: 5, weight: 2, dashArray: undefined, fillOpacity: 0 },
};

/** Drawing order and legend order: what needs attention first. */
export const STATUSES: readonly SubmissionStatus[] = ['rejected', 'waiting', 'queued', 'sending', 'sent'];

/** Not yet accepted by the server: what "Only pending" shows. */
export function isPending(status: SubmissionStatus): boolean {
  return status !== 'sent';
}

/** A photo geotagged further than this from its record's location is drawn as far, as reviewers see it flagged. */
export const FAR_PHOTO_METRES = DEFAULT_PHOTO_FAR_METRES;

/** Photo geotags: small dots; far ones larger and in a warning colour. */
export const PHOTO_STYLE: Record<'near' | 'far', MarkerStyle> = {
  near: { color: '#37474f', radius: 3, weight: 1, dashArray: undefined, fillOpacity: 0.8 },
  far: { color: '#c2185b', radius: 5, weight: 2, dashArray: undefined, fillOpacity: 0.9 },
};
