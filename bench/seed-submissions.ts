/**
 * 100,000 submissions for the server benchmarks (the review table's
 * queries, the exports), on SQLite or on a database of a throwaway
 * PostgreSQL cluster: the same rows for both, from a fixed seed.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  DEFAULT_LATE_AFTER_HOURS,
  DEFAULT_PHOTO_FAR_METRES,
  DEFAULT_STALE_AFTER_HOURS,
  reviewFlags,
} from '../shared/review-flags.js';
import type { ReviewState } from '../shared/review.js';
import type { SubmissionPayload } from '../shared/submission.js';
import type { Repository } from '../server/storage/repository.js';
import { seededRandom } from '../test/support/seeded-random.js';

const BATCH = 1000;

const LIMITS = {
  photoFarMetres: DEFAULT_PHOTO_FAR_METRES,
  lateAfterHours: DEFAULT_LATE_AFTER_HOURS,
  staleAfterHours: DEFAULT_STALE_AFTER_HOURS,
};

const NAMES = [
  'Achieng',
  'Baraka',
  'Chebet',
  'Daudi',
  'Esther',
  'Fatuma',
  'Gitau',
  'Halima',
  'Imani',
  'Juma',
];
const SOURCES = [
  'piped',
  'borehole',
  'protected_well',
  'unprotected_well',
  'surface_water',
  'rainwater',
  'vendor',
];

function visit(i: number, rand: () => number): SubmissionPayload {
  const fix = {
    lat: -0.5 + rand(),
    lon: 34 + rand(),
    accuracy: 3 + rand() * 40,
    time: '2026-11-20T09:30:00.000Z',
  };
  // One household in 10,000 has a name nobody else has: the rare word.
  const head =
    i % 10_000 === 7 ? `Zawadi Rare${i}` : `${NAMES[i % NAMES.length]} ${NAMES[(i * 7) % NAMES.length]}`;
  return {
    id: randomUUID(),
    formId: 'household-visit',
    formVersion: 1,
    answers: {
      village: `vlg_${String(1 + (i % 20_000)).padStart(5, '0')}`,
      head_name: head,
      members: 1 + (i % 12),
      water_source: SOURCES[i % SOURCES.length]!,
      visit_date: '2026-11-20',
      location: fix,
    },
    location: fix,
    photos: [],
    createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 330 * 86_400_000)).toISOString(),
    deviceId: `device-${i % 50}`,
    referenceVersion: null,
  };
}

/**
 * Stores count household visits straight through the repository (no
 * HTTP: seeding is not what is measured), a thousand a transaction, a
 * third of them reviewed, from a fixed seed so every run stores the same.
 */
export async function seedSubmissions(repo: Repository, count: number): Promise<void> {
  const rand = seededRandom(12);
  const reviewer = {
    id: randomUUID(),
    username: 'bench-supervisor',
    usernameKey: 'bench-supervisor',
    passwordHash: 'not-a-password',
    role: 'supervisor' as const,
    formIds: null,
    createdAt: new Date().toISOString(),
    disabledAt: null,
  };
  await repo.insertUser(reviewer);
  const states: ReviewState[] = ['approved', 'approved', 'approved', 'has_issues', 'rejected'];
  for (let start = 0; start < count; start += BATCH) {
    await repo.withTransaction(async (tx) => {
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const payload = visit(i, rand);
        const receivedAt = new Date().toISOString();
        await tx.insertSubmission({
          payload,
          contentHash: 'bench',
          receivedAt,
          sentBy: null,
          // Worked out here, as a server does on receipt: else every server started on them would do it first.
          flags: reviewFlags(payload, { form: undefined, receivedAt, referenceReplacedAt: null }, LIMITS),
        });
        // A third reviewed: mostly approved, some sent back.
        if (i % 3 === 0) {
          const to = states[i % states.length]!;
          await tx.setReviewState(payload.id, to);
          await tx.appendReviewEvent({
            submissionId: payload.id,
            at: new Date().toISOString(),
            by: { userId: reviewer.id, username: reviewer.username },
            from: 'received',
            to,
            comment: to === 'approved' ? null : 'Check the number of members.',
          });
        }
      }
    });
  }
}

/** A new empty database on the cluster at adminUrl; answers its URL. */
export async function benchDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}
