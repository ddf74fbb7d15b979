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
) WITHOUT ROWID;

-- The ETag of the reference data the device had when it captured the
-- submission; NULL for submissions from apps that did not send it.
ALTER TABLE submissions ADD COLUMN reference_version TEXT;
