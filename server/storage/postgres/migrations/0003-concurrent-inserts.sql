-- Inserts no longer queue behind one another. seq was taken from a counter
-- row updated in the inserting transaction: its row lock, held until the
-- commit's WAL flush, let one insert commit at a time. Now seq comes from a
-- sequence, and the order guarantee moves to the reader: a seq is marked
-- "in flight" until its transaction ends, and a listing stops below the
-- lowest seq in flight, so no lower seq ever shows up after a higher one.
--
-- Advisory lock keys (the two-integer form), in this database:
--   (1179844607, 0)            the gate: held shared by an inserter while it
--                              takes a number and marks it, exclusive by a
--                              reader while it reads what is in flight;
--   (1179844608 + seq >> 31,   seq in flight, held by its transaction to its
--    seq & 2147483647)         end (released after the commit is visible).
-- A foreign lock in that range only makes a listing stop lower: still safe.

-- CACHE 1: numbers in the order asked for, across sessions; a session
-- holding cached numbers would hand out lower ones later. Numbers go on from
-- the counter, so the receipts already given stay valid and below every new one.
CREATE SEQUENCE submission_seq AS BIGINT MINVALUE 1 CACHE 1 NO CYCLE;
SELECT setval('submission_seq', GREATEST(value, 1), value > 0) FROM counters WHERE name = 'submission_seq';
-- A server of the old version still running now fails to insert, rather than number out of order.
DROP TABLE counters;

-- The next seq, marked in flight. Take seq only through here: a bare nextval
-- would not be marked, and a reader could list past it.
CREATE FUNCTION take_submission_seq() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  taken BIGINT;
BEGIN
  -- Session-level: released here, a moment later, not at the commit.
  PERFORM pg_advisory_lock_shared(1179844607, 0);
  BEGIN
    taken := nextval('submission_seq');
    PERFORM pg_advisory_xact_lock(1179844608 + (taken >> 31)::INTEGER, (taken & 2147483647)::INTEGER);
  EXCEPTION
    -- A gate left held would stop every reader; OTHERS does not cover a cancel.
    WHEN query_canceled THEN
      PERFORM pg_advisory_unlock_shared(1179844607, 0);
      RAISE;
    WHEN OTHERS THEN
      PERFORM pg_advisory_unlock_shared(1179844607, 0);
      RAISE;
  END;
  PERFORM pg_advisory_unlock_shared(1179844607, 0);
  RETURN taken;
END
$$;

-- The lowest seq that may still appear: every seq below it is committed or
-- never will be. Read it in a statement of its own, then list below it in
-- the next (a new snapshot under READ COMMITTED, which sees them all).
CREATE FUNCTION submission_listing_horizon() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  handed_out BIGINT;
  lowest_in_flight BIGINT;
BEGIN
  -- Exclusive: no inserter is between taking a number and marking it.
  PERFORM pg_advisory_lock(1179844607, 0);
  BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO handed_out FROM submission_seq;
    SELECT min(((classid::BIGINT - 1179844608) << 31) | objid::BIGINT) INTO lowest_in_flight
      FROM pg_locks
      WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid::BIGINT >= 1179844608
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
  EXCEPTION
    WHEN query_canceled THEN
      PERFORM pg_advisory_unlock(1179844607, 0);
      RAISE;
    WHEN OTHERS THEN
      PERFORM pg_advisory_unlock(1179844607, 0);
      RAISE;
  END;
  PERFORM pg_advisory_unlock(1179844607, 0);
  RETURN LEAST(lowest_in_flight, handed_out + 1);
END
$$;
