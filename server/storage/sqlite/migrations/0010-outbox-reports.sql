-- What each device last reported of its outbox (shared/live.ts): how many
-- submissions it holds unsent, and for each only its form, capture time and
-- location. One row per device, replaced by each report; version orders the
-- replacements so the live review stream can send those after the last it
-- sent (the single writer commits them in order).
CREATE TABLE outbox_reports (
  device_id          TEXT PRIMARY KEY REFERENCES devices (id),
  version            INTEGER NOT NULL UNIQUE,
  reported_at        TEXT NOT NULL,
  received_at        TEXT NOT NULL,
  waiting            INTEGER NOT NULL CHECK (waiting >= 0),
  oldest_captured_at TEXT,
  -- JSON array of {formId, capturedAt, location}.
  items              TEXT NOT NULL
);
