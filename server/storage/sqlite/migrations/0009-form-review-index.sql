-- The review table filtered by form and state, newest first: one index walk
-- instead of sorting every submission of the form (bench/review-listing.ts).
CREATE INDEX submissions_form_review ON submissions (form_id, review_state, seq);
