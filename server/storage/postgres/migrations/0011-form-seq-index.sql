-- The review table and its exports filtered by form (and version), newest
-- first, a keyset page at a time: one index walk per page instead of sorting
-- every submission of the form for each page (bench/export.ts).
DROP INDEX submissions_form;
CREATE INDEX submissions_form ON submissions (form_id, form_version, seq);
CREATE INDEX submissions_form_seq ON submissions (form_id, seq);
