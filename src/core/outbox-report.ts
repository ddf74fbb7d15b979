/**
 * Tells the server what this device still holds unsent (PUT /api/outbox),
 * so a supervisor sees what is stuck in the field: how many, since when,
 * and where each was captured; never answers or photos. Sent whenever the
 * app talks to the server anyway (opening, the network returning, after
 * sending, the daily refresh), and skipped when nothing changed since the
 * last report of this page or worker, unless that was a while ago.
 * No DOM API: it runs in the worker too.
 */
import { MAX_REPORTED_ITEMS, type OutboxReport } from '../../shared/live.js';
import type { StoredSubmission } from '../../shared/outbox.js';
import { apiFetch, BACKGROUND_REQUEST_TIMEOUT_MS } from './api-request.js';
import { defaultStores, type Stores } from './stores.js';
import { readOutbox } from './submissions.js';

/** A report unchanged is sent again after this long, so the server's "reported at" stays honest. */
const REPEAT_AFTER_MS = 15 * 60 * 1000;

let lastSent: { key: string; at: number } | null = null;

/** What the records say: every one not yet in the server's hands, oldest first. */
export function outboxReport(records: readonly StoredSubmission[], now: Date): OutboxReport {
  const unsent = records
    .filter((r) => r.status !== 'sent')
    .map((r) => r.payload)
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  return {
    reportedAt: now.toISOString(),
    waiting: unsent.length,
    oldestCapturedAt: unsent[0]?.createdAt ?? null,
    items: unsent.slice(0, MAX_REPORTED_ITEMS).map((p) => ({
      formId: p.formId,
      capturedAt: p.createdAt,
      location: p.location && { latitude: p.location.lat, longitude: p.location.lon },
    })),
  };
}

export interface ReportOptions {
  stores?: Stores;
  fetcher?: typeof fetch;
  now?: () => Date;
  /**
   * While some still wait, a changed report goes at most this often (the
   * worker, sending one submission per sync event, would otherwise add a
   * request to each); the one saying none waits always goes.
   */
  minIntervalMs?: number;
}

/**
 * Sends the report unless the same one went recently; answers whether the
 * server has it. Never throws: a report missed is sent next time.
 */
export async function reportOutbox(o: ReportOptions = {}): Promise<boolean> {
  const { stores = defaultStores, fetcher = fetch, now = () => new Date(), minIntervalMs = 0 } = o;
  try {
    const { records } = await readOutbox(stores);
    const report = outboxReport(records, now());
    const key = JSON.stringify({ ...report, reportedAt: null });
    const at = now().getTime();
    const since = lastSent ? at - lastSent.at : Infinity;
    if (lastSent?.key === key && since < REPEAT_AFTER_MS) return true;
    if (report.waiting > 0 && since < minIntervalMs) return false;
    const res = await apiFetch(
      '/api/outbox',
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(BACKGROUND_REQUEST_TIMEOUT_MS),
      },
      fetcher,
    );
    if (!res.ok) return false;
    lastSent = { key, at };
    return true;
  } catch {
    return false;
  }
}

/** How long the worker gathers the ends of sync events into one report. */
export const REPORT_GATHER_MS = 1_000;

let gathering: Promise<boolean> | null = null;

/**
 * One report for a burst of callers. The worker ends a sync event for each
 * submission, dozens within a second when the network returns, and every
 * report reads the whole outbox, sent records included, which only grows:
 * a report per event made a drain slower the longer the device had been in
 * use. Calls within gatherMs of the first share its report, read after the
 * last of them, so none misses what it saw; each resolves when it is done,
 * so an event that waits for it keeps the worker alive until then. The
 * first caller's options serve them all.
 */
export function reportOutboxSoon(o: ReportOptions = {}, gatherMs = REPORT_GATHER_MS): Promise<boolean> {
  gathering ??= new Promise((resolve) => setTimeout(resolve, gatherMs)).then(() => {
    gathering = null;
    return reportOutbox(o);
  });
  return gathering;
}

/** Forgets what was last sent (tests start each case afresh; a new enrollment reports at once). */
export function forgetLastReport(): void {
  lastSent = null;
  gathering = null;
}
