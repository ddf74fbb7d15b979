-- The submission a correction corrects (its payload's correctionOf), so a
-- reviewer sees the corrections of a returned submission beside it.
ALTER TABLE submissions ADD COLUMN correction_of TEXT;
CREATE INDEX submissions_correction_of ON submissions (correction_of, seq);
