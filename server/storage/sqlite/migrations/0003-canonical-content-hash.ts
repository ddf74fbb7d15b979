import type { SubmissionPayload } from '../../../../shared/submission.js';
import { submissionHash } from '../../../canonical.js';
import type { DB } from '../database.js';

/** Rows read at a time, so a large table is not held in memory at once. */
const BATCH = 500;

/**
 * Submission identity moved to the canonical form (shared/canonical.ts).
 * Rows received before it hold a hash of the payload exactly as it was
 * sent; each is hashed again so that a resend of it still matches, however
 * it spells an absent value. A later change of the canonical form needs a
 * migration of its own, like this one.
 */
export function canonicalContentHash(db: DB): void {
  const page = db.prepare<[number, number], { seq: number; payload: string }>(
    'SELECT seq, payload FROM submissions WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const update = db.prepare<[string, number]>('UPDATE submissions SET content_hash = ? WHERE seq = ?');
  for (let after = 0; ;) {
    const rows = page.all(after, BATCH);
    const last = rows[rows.length - 1];
    if (!last) return;
    for (const row of rows) update.run(submissionHash(JSON.parse(row.payload) as SubmissionPayload), row.seq);
    after = last.seq;
  }
}
