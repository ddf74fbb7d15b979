-- The id a browser made for itself (the payload's deviceId), recorded when
-- it enrolls. A device revoked and enrolled again is a new device row; the
-- shared installation id lets it still hear the reviews of what it sent
-- under its earlier, revoked enrollments.
ALTER TABLE devices ADD COLUMN installation_id TEXT;

CREATE INDEX devices_installation ON devices (installation_id) WHERE installation_id IS NOT NULL;

-- Once every row has its flags, the start-up look for rows without them
-- walks this (empty) index instead of the whole table.
CREATE INDEX submissions_unflagged ON submissions (seq) WHERE flags IS NULL;
