-- Photos are files under DATA_DIR/photos; this table says which are complete.
CREATE TABLE photos (
  sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  bytes      INTEGER NOT NULL CHECK (bytes > 0),
  type       TEXT NOT NULL CHECK (type IN ('image/jpeg', 'image/png', 'image/webp')),
  created_at TEXT NOT NULL
) WITHOUT ROWID;

-- seq is AUTOINCREMENT so that a number is never reused, even after the
-- newest row is deleted: clients may keep it as the receipt.
CREATE TABLE submissions (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  form_id      TEXT NOT NULL,
  form_version INTEGER NOT NULL,
  device_id    TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  -- sha256 of the canonical JSON of the payload: decides whether a resend is
  -- the same submission or a conflicting one.
  content_hash TEXT NOT NULL,
  payload      TEXT NOT NULL
);

CREATE INDEX submissions_form ON submissions (form_id, form_version);

-- Ties a submission to the photos it needs, so no photo row it uses can go.
CREATE TABLE submission_photos (
  submission_seq INTEGER NOT NULL REFERENCES submissions (seq),
  sha256         TEXT NOT NULL REFERENCES photos (sha256),
  PRIMARY KEY (submission_seq, sha256)
) WITHOUT ROWID;

CREATE INDEX submission_photos_sha256 ON submission_photos (sha256);
