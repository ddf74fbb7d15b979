/**
 * What devices report of their outboxes, and who may see it: a supervisor
 * sees the devices enrolled for a form they review, and of each only the
 * unsent submissions of those forms (docs/api.md, "Outbox reports").
 */
import {
  MAX_REPORTED_ITEMS,
  type DeviceOutbox,
  type DeviceOutboxList,
  type OutboxReport,
} from '../shared/live.js';
import { isIsoDateTime } from '../shared/validate.js';
import { badRequest } from './errors.js';
import type { DeviceRecord, UserRecord } from './storage/accounts.js';
import type { StoredOutboxReport } from './storage/outbox-reports.js';
import type { Repository } from './storage/repository.js';

/** Devices listed at most: far more than any installation enrolls. */
const MAX_DEVICES = 10_000;

function checkReport(report: OutboxReport): void {
  const times: [string, string | null][] = [
    ['reportedAt', report.reportedAt],
    ['oldestCapturedAt', report.oldestCapturedAt],
    ...report.items.map((item, i): [string, string] => [`items[${i}].capturedAt`, item.capturedAt]),
  ];
  for (const [field, value] of times) {
    if (value !== null && !isIsoDateTime(value))
      throw badRequest(`"${field}" must be a date and time with its offset (2026-11-30T14:00:00Z).`, field);
  }
  if (report.items.length > report.waiting)
    throw badRequest(
      `"waiting" counts every unsent submission: at least the ${report.items.length} listed.`,
      'waiting',
    );
  if ((report.waiting === 0) !== (report.oldestCapturedAt === null))
    throw badRequest(
      '"oldestCapturedAt" is the capture time of the oldest unsent submission: null exactly when none waits.',
      'oldestCapturedAt',
    );
}

/** Replaces the device's report with this one, and tells every reviewer's live stream. */
export async function acceptOutboxReport(
  repo: Repository,
  device: DeviceRecord,
  report: OutboxReport,
  now: Date,
): Promise<void> {
  checkReport(report);
  await repo.putOutboxReport(device.id, report, now.toISOString());
  repo.changes.announce('outbox');
}

/** The report as the user may see it; null when the device sends none of the user's forms. */
export function visibleOutbox(user: UserRecord, stored: StoredOutboxReport): DeviceOutbox | null {
  const { deviceFormIds } = stored;
  const report: DeviceOutbox = {
    deviceId: stored.deviceId,
    deviceName: stored.deviceName,
    receivedAt: stored.receivedAt,
    lastSeenAt: stored.lastSeenAt,
    reportedAt: stored.reportedAt,
    waiting: stored.waiting,
    oldestCapturedAt: stored.oldestCapturedAt,
    items: stored.items,
  };
  const scope = user.role === 'admin' ? null : user.formIds;
  if (scope === null) return report;
  if (deviceFormIds !== null && !deviceFormIds.some((id) => scope.includes(id))) return null;
  const items = report.items.filter((item) => scope.includes(item.formId));
  if (items.length === report.items.length) return report;
  // Counted from the list where it is whole; otherwise the device's totals are all there is.
  const whole = report.items.length === report.waiting && report.waiting <= MAX_REPORTED_ITEMS;
  if (!whole) return { ...report, items };
  return {
    ...report,
    items,
    waiting: items.length,
    oldestCapturedAt: items.reduce<string | null>(
      (oldest, item) =>
        oldest === null || Date.parse(item.capturedAt) < Date.parse(oldest) ? item.capturedAt : oldest,
      null,
    ),
  };
}

/** The latest report of each device the user may see, most recently received first. */
export async function deviceOutboxes(repo: Repository, user: UserRecord): Promise<DeviceOutboxList> {
  const stored = await repo.outboxReportsAfter(0, MAX_DEVICES);
  const devices = stored
    .map((r) => visibleOutbox(user, r))
    .filter((r): r is DeviceOutbox => r !== null)
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0));
  return { devices };
}
