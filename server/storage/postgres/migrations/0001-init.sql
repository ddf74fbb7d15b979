-- Photos are files in the photo store; this table says which are complete.
CREATE TABLE photos (
  sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  bytes      BIGINT NOT NULL CHECK (bytes > 0),
  type       TEXT NOT NULL CHECK (type IN ('image/jpeg', 'image/png', 'image/webp')),
  created_at TEXT NOT NULL
);

-- Counters handed out under a row lock. submission_seq is taken by UPDATE
-- inside the inserting transaction, so inserters queue at the row lock and
-- seq order is commit order; a SEQUENCE would number in insert order, and a
-- reader could see seq 8 before seq 7 commits and page past it for ever.
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('submission_seq', 0);

-- seq comes from counters, never reused: clients may keep it as the receipt.
CREATE TABLE submissions (
  seq               BIGINT PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  form_id           TEXT NOT NULL,
  form_version      INTEGER NOT NULL,
  device_id         TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  received_at       TEXT NOT NULL,
  -- sha256 of the canonical JSON of the payload: decides whether a resend is
  -- the same submission or a conflicting one.
  content_hash      TEXT NOT NULL,
  -- TEXT, not JSONB: the canonical JSON is kept exactly as it was hashed.
  payload           TEXT NOT NULL,
  -- The ETag of the reference data the device had when it captured the
  -- submission; NULL for submissions from apps that did not send it.
  reference_version TEXT
);

CREATE INDEX submissions_form ON submissions (form_id, form_version);

-- Ties a submission to the photos it needs, so no photo row it uses can go.
CREATE TABLE submission_photos (
  submission_seq BIGINT NOT NULL REFERENCES submissions (seq),
  sha256         TEXT NOT NULL REFERENCES photos (sha256),
  PRIMARY KEY (submission_seq, sha256)
);

CREATE INDEX submission_photos_sha256 ON submission_photos (sha256);

-- Every form version the server has ever served, so that a submission for a
-- version later removed from the forms directory can still be checked, and
-- so that a version cannot silently change meaning once devices hold it.
CREATE TABLE published_forms (
  form_id      TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version >= 1),
  -- Canonical JSON (keys sorted), so reformatting a file is not a change.
  definition   TEXT NOT NULL,
  published_at TEXT NOT NULL,
  PRIMARY KEY (form_id, version)
);
