-- Supervisors' reviews (shared/review.ts). The history is append-only:
-- every change of state and every comment is a row, never updated or
-- deleted. The submission's current state sits beside it, changed only by
-- the transaction that appends its event, so filters by state use an index.

CREATE TABLE review_events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  at            TEXT NOT NULL,
  user_id       TEXT NOT NULL REFERENCES users (id),
  -- As the reviewer was named then: a later rename does not rewrite history.
  username      TEXT NOT NULL,
  from_state    TEXT CHECK (from_state IN ('received', 'approved', 'has_issues', 'rejected')),
  to_state      TEXT CHECK (to_state IN ('received', 'approved', 'has_issues', 'rejected')),
  comment       TEXT,
  CHECK ((from_state IS NULL) = (to_state IS NULL)),
  CHECK (to_state IS NOT NULL OR comment IS NOT NULL)
);

CREATE INDEX review_events_submission ON review_events (submission_id, id);

ALTER TABLE submissions ADD COLUMN review_state TEXT NOT NULL DEFAULT 'received'
  CHECK (review_state IN ('received', 'approved', 'has_issues', 'rejected'));

CREATE INDEX submissions_review_state ON submissions (review_state, seq);
