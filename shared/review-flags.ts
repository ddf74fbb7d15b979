/**
 * What a reviewer should look at twice, worked out by the server when a
 * submission arrives (docs/api.md, "Review"): a kiosk's unfinished form, a photo taken far from the
 * record's location, forms and lists the device should have replaced,
 * a location less accurate than the form asks, a long wait between
 * capture and receipt. Shared: the page's map draws far photos with the
 * same distance.
 */
import type { FormDef } from './forms.js';
import { distanceMetres } from './geo.js';
import type { SubmissionPayload } from './submission.js';
import { isRequired } from './validate.js';

export const REVIEW_FLAGS = ['unfinished', 'photo_far', 'stale_reference', 'poor_accuracy', 'late'] as const;
export type ReviewFlagCode = (typeof REVIEW_FLAGS)[number];

/** A flag, with what it found in words ("Photo 2 was taken 1.3 km from the record's location."). */
export interface ReviewFlag {
  code: ReviewFlagCode;
  message: string;
}

/** A flag as the table's chip names it. */
export const REVIEW_FLAG_LABEL: Record<ReviewFlagCode, string> = {
  unfinished: 'Unfinished',
  photo_far: 'Photo far away',
  stale_reference: 'Old forms',
  poor_accuracy: 'Poor location',
  late: 'Arrived late',
};

/** A photo geotagged further than this from its record's location is flagged (and drawn as far). */
export const DEFAULT_PHOTO_FAR_METRES = 200;
/** Received more than this long after capture. */
export const DEFAULT_LATE_AFTER_HOURS = 48;
/** Used when the reference data does not say after how long it counts as stale. */
export const DEFAULT_STALE_AFTER_HOURS = 72;
/** A geopoint field's accuracy threshold when its form does not set one (shared/forms.ts). */
export const DEFAULT_ACCURACY_THRESHOLD = 50;

export interface FlagLimits {
  photoFarMetres: number;
  lateAfterHours: number;
  staleAfterHours: number;
}

/** What the server knows besides the submission. */
export interface FlagContext {
  /** The form version it was captured with; undefined when unknown. */
  form: FormDef | undefined;
  receivedAt: string;
  /**
   * When a newer revision replaced the reference data the device captured
   * with (its referenceVersion); null when it was the newest, or unknown.
   */
  referenceReplacedAt: string | null;
}

const HOUR = 3_600_000;

/** "850 m", "12 km": how far, to a useful precision. */
export function formatDistance(metres: number): string {
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  return `${(metres / 1000).toFixed(metres < 10_000 ? 1 : 0)} km`;
}

function hoursText(hours: number): string {
  return hours >= 48 ? `${Math.floor(hours / 24)} days` : `${Math.floor(hours)} hours`;
}

/** The flags of a submission, in REVIEW_FLAGS order; none for one that needs no second look. */
export function reviewFlags(p: SubmissionPayload, c: FlagContext, limits: FlagLimits): ReviewFlag[] {
  const flags: ReviewFlag[] = [];
  if (p.unfinished) {
    const unanswered = (c.form?.fields ?? []).filter(
      (f) => isRequired(f) && p.answers[f.name] === undefined,
    ).length;
    flags.push({
      code: 'unfinished',
      message: `Saved unfinished by a kiosk when its user walked away${
        unanswered ? `: ${unanswered} required question${unanswered === 1 ? '' : 's'} unanswered` : ''
      }.`,
    });
  }
  const location = p.location;
  if (location) {
    const far = p.photos.flatMap((photo, i) => {
      if (!photo.geotag) return [];
      const d = distanceMetres(location, photo.geotag);
      return d > limits.photoFarMetres
        ? [`Photo ${i + 1} was taken ${formatDistance(d)} from the record's location.`]
        : [];
    });
    if (far.length) flags.push({ code: 'photo_far', message: far.join(' ') });
  }
  const captured = Date.parse(p.createdAt);
  if (c.referenceReplacedAt !== null) {
    const outdated = (captured - Date.parse(c.referenceReplacedAt)) / HOUR;
    if (outdated > limits.staleAfterHours)
      flags.push({
        code: 'stale_reference',
        message: `Captured with forms and lists replaced ${hoursText(outdated)} before: the device had not refreshed them.`,
      });
  }
  const inaccurate = (c.form?.fields ?? []).flatMap((f) => {
    if (f.type !== 'geopoint') return [];
    const point = p.answers[f.name] as { accuracy?: unknown } | undefined;
    const threshold = f.accuracyThreshold ?? DEFAULT_ACCURACY_THRESHOLD;
    return typeof point?.accuracy === 'number' && point.accuracy > threshold
      ? [`"${f.label}" is accurate to ${Math.round(point.accuracy)} m; the form asks for ${threshold} m.`]
      : [];
  });
  if (inaccurate.length) flags.push({ code: 'poor_accuracy', message: inaccurate.join(' ') });
  const waited = (Date.parse(c.receivedAt) - captured) / HOUR;
  if (waited > limits.lateAfterHours)
    flags.push({ code: 'late', message: `Received ${hoursText(waited)} after it was captured.` });
  return flags;
}
