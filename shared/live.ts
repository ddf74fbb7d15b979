/**
 * What the review screen hears without reloading (GET /api/review/live, a
 * stream of Server-Sent Events), and what devices report of their outbox
 * (PUT /api/outbox). Shared by the page app, the service worker and the
 * server (docs/api.md, "Live review" and "Outbox reports").
 */
import type { ReviewEvent, ReviewItem } from './review.js';

/** The most unsent submissions a report describes one by one; the count covers them all. */
export const MAX_REPORTED_ITEMS = 500;

/** One submission still on a device: where and when it was captured, and nothing of its answers. */
export interface UnsentItem {
  formId: string;
  capturedAt: string;
  /** The record's location, when it has one. */
  location: { latitude: number; longitude: number } | null;
}

/** PUT /api/outbox: what the device holds unsent, as it reports it. */
export interface OutboxReport {
  /** When the device counted, by its clock. */
  reportedAt: string;
  /** How many submissions it holds unsent, all of them. */
  waiting: number;
  /** Capture time of the oldest of them; null when none waits. */
  oldestCapturedAt: string | null;
  /** Up to MAX_REPORTED_ITEMS of them, oldest first. */
  items: UnsentItem[];
}

/** A device's latest report, as the review screen shows it: "3 waiting, oldest 2 days, last seen 1 hour ago". */
export interface DeviceOutbox extends OutboxReport {
  deviceId: string;
  deviceName: string;
  /** When the server received the report. */
  receivedAt: string;
  /** The device's last request of any kind. */
  lastSeenAt: string | null;
}

/** GET /api/review/outboxes: the latest report of each enrolled device the reviewer may see. */
export interface DeviceOutboxList {
  devices: DeviceOutbox[];
}

/**
 * The events of the live stream, by their SSE event name. Each event's id
 * is the stream's position: a client reconnecting with it (Last-Event-ID)
 * is sent everything after it, and nothing twice.
 */
export interface LiveEvents {
  /** Sent first on every connection: from here on, nothing is missed. */
  ready: { at: string };
  /** A new submission (or correction) matching the stream's filter. */
  submission: ReviewItem;
  /** A review change or comment on a submission the reviewer may see. */
  review: ReviewEvent;
  /** A device's outbox report changed. */
  outbox: DeviceOutbox;
  /**
   * More arrived while the client was away than the stream sends one by
   * one: reload the table, then carry on from this event's id.
   */
  reset: { reason: string };
  /** The credential is no longer valid (signed out, session ended): the stream ends. */
  ended: { reason: string };
}

export type LiveEventName = keyof LiveEvents;
