-- When each submission was captured, in UTC (created_at as the device wrote
-- it may carry any offset), so that the review screen sorts and filters by
-- capture time with an index. The server fills it from createdAt; rows
-- stored before keep their text as it was when it is not a time.
ALTER TABLE submissions ADD COLUMN captured_at TEXT NOT NULL DEFAULT '';
UPDATE submissions SET captured_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at);
CREATE INDEX submissions_captured ON submissions (captured_at, seq);
CREATE INDEX submissions_sent_by ON submissions (sent_by, seq);
