-- The reference data (GET /api/reference) each time a server started with
-- other forms, lists or settings than the current ones: the highest
-- revision is what every server serves. Kept, not replaced: a submission's
-- reference_version is the etag of the revision its device held.
CREATE TABLE reference_revisions (
  revision     INTEGER PRIMARY KEY CHECK (revision >= 1),
  etag         TEXT NOT NULL,
  -- The JSON body exactly as served, so that every server sends the same bytes.
  body         TEXT NOT NULL,
  published_at TEXT NOT NULL,
  published_by TEXT NOT NULL
);
