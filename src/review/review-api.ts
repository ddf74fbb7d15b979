/**
 * The review requests of the page (docs/api.md, "Review"): the filtered
 * table a page at a time, a submission's history, and a review. Each
 * resolves to an outcome said in words; none throws.
 */
import type {
  BulkReviewOutcome,
  BulkReviewRequest,
  ReviewCount,
  ReviewDevice,
  ReviewEvent,
  ReviewItem,
  ReviewPage,
  ReviewRequest,
  ReviewSort,
  ReviewState,
} from '../../shared/review.js';
import type { DeviceOutboxList } from '../../shared/live.js';
import { call, type ApiOutcome } from '../accounts/accounts-api.js';

/** What the table shows; every field optional, as the screen's filters are. */
export interface ReviewFilter {
  formId?: string;
  formVersion?: number;
  /** The enrolled device that sent them. */
  deviceId?: string;
  states?: ReviewState[];
  capturedFrom?: string;
  capturedBefore?: string;
  text?: string;
  /** Only the corrections of this submission. */
  correctionOf?: string;
  /** Only those with a flag. */
  flagged?: boolean;
  sort?: ReviewSort;
}

/** The filter's query parameters, as GET /api/review/submissions and the live stream read them. */
export function filterParams(filter: ReviewFilter): URLSearchParams {
  const q = new URLSearchParams();
  if (filter.formId) q.set('form', filter.formId);
  if (filter.formVersion) q.set('version', String(filter.formVersion));
  if (filter.deviceId) q.set('device', filter.deviceId);
  if (filter.states?.length) q.set('state', filter.states.join(','));
  if (filter.capturedFrom) q.set('capturedFrom', filter.capturedFrom);
  if (filter.capturedBefore) q.set('capturedBefore', filter.capturedBefore);
  if (filter.text?.trim()) q.set('q', filter.text.trim());
  if (filter.correctionOf) q.set('correctionOf', filter.correctionOf);
  if (filter.flagged) q.set('flagged', 'true');
  if (filter.sort && filter.sort !== 'received') q.set('sort', filter.sort);
  return q;
}

/** The query string of a filter and a page's cursor. */
export function reviewQuery(filter: ReviewFilter, cursor: string | null = null, limit = 100): string {
  const q = filterParams(filter);
  if (cursor) q.set('cursor', cursor);
  q.set('limit', String(limit));
  return q.toString();
}

export function listForReview(filter: ReviewFilter, cursor: string | null): Promise<ApiOutcome<ReviewPage>> {
  return call<ReviewPage>('GET', `/api/review/submissions?${reviewQuery(filter, cursor)}`);
}

/** One submission as the table lists it: the record, its state and its flags. */
export async function reviewItem(id: string): Promise<ApiOutcome<ReviewItem>> {
  const outcome = await call<ReviewPage>('GET', `/api/review/submissions?id=${encodeURIComponent(id)}`);
  if (outcome.kind !== 'ok') return outcome;
  const [item] = outcome.value.items;
  if (!item)
    return {
      kind: 'refused',
      status: 404,
      error: null,
      message: `The server has no submission ${id} you review.`,
    };
  return { kind: 'ok', value: item };
}

/**
 * Looks a submission up and asks the review screen to show it (a
 * review-select event from the element given); answers what went wrong, or
 * null.
 */
export async function selectReviewItem(from: HTMLElement, id: string): Promise<string | null> {
  const outcome = await reviewItem(id);
  if (outcome.kind !== 'ok') return outcome.message;
  from.dispatchEvent(
    new CustomEvent('review-select', { bubbles: true, composed: true, detail: outcome.value }),
  );
  return null;
}

export function reviewHistory(id: string): Promise<ApiOutcome<ReviewEvent[]>> {
  return call<ReviewEvent[]>('GET', `/api/submissions/${encodeURIComponent(id)}/reviews`);
}

/** The devices that send the reviewer's forms, for the device filter. */
export function reviewDevices(): Promise<ApiOutcome<ReviewDevice[]>> {
  return call<ReviewDevice[]>('GET', '/api/review/devices');
}

/** How many match the filter now, and the last one counted. */
export function countForReview(filter: ReviewFilter): Promise<ApiOutcome<ReviewCount>> {
  return call<ReviewCount>('GET', `/api/review/count?${filterParams(filter).toString()}`);
}

/** The filter as the body of a bulk review carries it. */
export function filterObject(filter: ReviewFilter): Record<string, string> {
  return Object.fromEntries(filterParams(filter).entries());
}

export function bulkReview(request: BulkReviewRequest): Promise<ApiOutcome<BulkReviewOutcome>> {
  return call<BulkReviewOutcome>('POST', '/api/review/bulk', request);
}

/** The latest outbox report of each device the reviewer may see. */
export function deviceOutboxes(): Promise<ApiOutcome<DeviceOutboxList>> {
  return call<DeviceOutboxList>('GET', '/api/review/outboxes');
}

export function review(
  id: string,
  request: ReviewRequest,
): Promise<ApiOutcome<{ state: ReviewState; event: ReviewEvent | null }>> {
  return call('POST', `/api/submissions/${encodeURIComponent(id)}/reviews`, request);
}
