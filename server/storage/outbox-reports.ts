/**
 * What devices report of their outboxes (shared/live.ts), and the positions
 * the live review stream reads after (migrations 0010 on SQLite, 0009 on
 * PostgreSQL), in SQL both dialects read.
 */
import type { DeviceOutbox, OutboxReport, UnsentItem } from '../../shared/live.js';
import type { Session } from './session.js';

/** A report as stored, with what the reader needs to decide who may see it. */
export interface StoredOutboxReport extends DeviceOutbox {
  /** Increasing with every report stored: the order the live stream sends them in. */
  version: number;
  /** The forms the device is enrolled for; null for every form. */
  deviceFormIds: string[] | null;
}

/** Where the live stream stands: the last submission, review event and outbox report it has sent. */
export interface LivePosition {
  seq: number;
  event: number;
  report: number;
}

export interface OutboxReportsTx {
  /** Replaces the device's report, numbered above every report stored; answers its version. */
  putOutboxReport(deviceId: string, report: OutboxReport, receivedAt: string): Promise<number>;
  /** Reports of devices not revoked, with a version above afterVersion, in version order, at most limit. */
  outboxReportsAfter(afterVersion: number, limit: number): Promise<StoredOutboxReport[]>;
  /**
   * The newest of each: the highest seq listed (every lower one committed),
   * review event id and report version. Reading after them misses nothing
   * committed later.
   */
  livePosition(): Promise<LivePosition>;
}

export interface OutboxReportsDialect {
  /** Orders report writes as ReviewDialect.lock orders review events. */
  lock(session: Session): Promise<void>;
  /** Rows at or above this seq are not listed yet (as ReviewListingDialect.ceiling). */
  ceiling(session: Session): Promise<number>;
}

interface OutboxReportRow {
  device_id: string;
  device_name: string;
  device_form_ids: string | null;
  last_seen_at: string | null;
  version: number | string;
  reported_at: string;
  received_at: string;
  waiting: number | string;
  oldest_captured_at: string | null;
  items: string;
}

function toReport(r: OutboxReportRow): StoredOutboxReport {
  return {
    deviceId: r.device_id,
    deviceName: r.device_name,
    deviceFormIds: r.device_form_ids === null ? null : (JSON.parse(r.device_form_ids) as string[]),
    lastSeenAt: r.last_seen_at,
    version: Number(r.version),
    reportedAt: r.reported_at,
    receivedAt: r.received_at,
    waiting: Number(r.waiting),
    oldestCapturedAt: r.oldest_captured_at,
    items: JSON.parse(r.items) as UnsentItem[],
  };
}

export function outboxReportOperations(session: Session, dialect: OutboxReportsDialect): OutboxReportsTx {
  return {
    async putOutboxReport(deviceId, report, receivedAt) {
      // One unit, so that the lock (transaction-scoped) is held to the commit.
      const [row] = await session.atomic(async (unit) => {
        await dialect.lock(unit);
        return unit.query<{ version: number | string }>(
          `INSERT INTO outbox_reports (device_id, version, reported_at, received_at, waiting, oldest_captured_at, items)
         VALUES ($1, (SELECT COALESCE(MAX(version), 0) + 1 FROM outbox_reports), $2, $3, $4, $5, $6)
         ON CONFLICT (device_id) DO UPDATE SET
           version = (SELECT COALESCE(MAX(version), 0) + 1 FROM outbox_reports),
           reported_at = excluded.reported_at, received_at = excluded.received_at,
           waiting = excluded.waiting, oldest_captured_at = excluded.oldest_captured_at,
           items = excluded.items
         RETURNING version`,
          [
            deviceId,
            report.reportedAt,
            receivedAt,
            report.waiting,
            report.oldestCapturedAt,
            JSON.stringify(report.items),
          ],
        );
      });
      if (!row) throw new Error('The outbox report was not stored.');
      return Number(row.version);
    },
    async outboxReportsAfter(afterVersion, limit) {
      const rows = await session.query<OutboxReportRow>(
        `SELECT r.device_id, d.name AS device_name, d.form_ids AS device_form_ids, d.last_seen_at,
           r.version, r.reported_at, r.received_at, r.waiting, r.oldest_captured_at, r.items
         FROM outbox_reports r JOIN devices d ON d.id = r.device_id
         WHERE r.version > $1 AND d.revoked_at IS NULL ORDER BY r.version LIMIT $2`,
        [afterVersion, limit],
      );
      return rows.map(toReport);
    },
    async livePosition() {
      const ceiling = await dialect.ceiling(session);
      const [row] = await session.query<{ seq: unknown; event: unknown; report: unknown }>(
        `SELECT (SELECT MAX(seq) FROM submissions WHERE seq < $1) AS seq,
           (SELECT MAX(id) FROM review_events) AS event,
           (SELECT MAX(version) FROM outbox_reports) AS report`,
        [ceiling],
      );
      return { seq: Number(row?.seq ?? 0), event: Number(row?.event ?? 0), report: Number(row?.report ?? 0) };
    },
  };
}
