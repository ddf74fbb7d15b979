-- What a reviewer should look at twice (shared/review-flags.ts), worked out
-- when a submission arrives, as a JSON array of {code, message}; NULL until
-- worked out (rows received before this version, imported rows), which the
-- server does at start-up. The "flagged" filter walks the partial index.
ALTER TABLE submissions ADD COLUMN flags TEXT;

CREATE INDEX submissions_flagged ON submissions (seq) WHERE flags <> '[]';
