-- When each submission was captured, in UTC (created_at as the device wrote
-- it may carry any offset), so that the review screen sorts and filters by
-- capture time with an index. The server fills it from createdAt; rows
-- stored before keep their text as it was when it is not a time.
ALTER TABLE submissions ADD COLUMN captured_at TEXT NOT NULL DEFAULT '';

CREATE FUNCTION pg_temp.utc_iso(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN to_char(t::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
EXCEPTION WHEN others THEN
  RETURN t;
END
$$;

UPDATE submissions SET captured_at = pg_temp.utc_iso(created_at);
CREATE INDEX submissions_captured ON submissions (captured_at, seq);
CREATE INDEX submissions_sent_by ON submissions (sent_by, seq);
