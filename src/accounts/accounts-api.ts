/**
 * The account requests the page makes besides enrolling (src/core/enrollment.ts):
 * setting up the first administrator, and an administrator creating an
 * enrollment code. Each resolves to an outcome said in words; none throws.
 */
import type { Enrollment, EnrollmentRequest, Me, SetupRequest } from '../../shared/accounts.js';
import type { ApiError } from '../../shared/submission.js';
import { apiFetch } from '../core/api-request.js';

export type ApiOutcome<T> =
  | { kind: 'ok'; value: T }
  /** The server answered with a refusal: its status and its words. */
  | { kind: 'refused'; status: number; error: ApiError | null; message: string }
  /** No answer. */
  | { kind: 'offline'; message: string };

const OFFLINE = 'The server could not be reached: check the network connection, then try again.';

async function postJson<T>(path: string, body: unknown): Promise<ApiOutcome<T>> {
  let res: Response;
  try {
    res = await apiFetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    return { kind: 'offline', message: OFFLINE };
  }
  let parsed: unknown = null;
  try {
    parsed = await res.json();
  } catch {
    // A proxy's error page, or a body cut short: said below by its status.
  }
  if (res.ok && parsed !== null) return { kind: 'ok', value: parsed as T };
  const err = parsed as Partial<ApiError> | null;
  const error = typeof err?.error === 'string' && typeof err.message === 'string' ? (err as ApiError) : null;
  return {
    kind: 'refused',
    status: res.status,
    error,
    message: error?.message ?? `The server answered HTTP ${res.status}: try again in a moment.`,
  };
}

/**
 * Creates the first administrator with the token of the set-up link, and
 * signs them in on this browser (POST /api/setup sets the session cookie).
 */
export function setUpServer(request: SetupRequest): Promise<ApiOutcome<Me>> {
  return postJson<Me>('/api/setup', request);
}

/** As a signed-in administrator: a one-time enrollment code for a new device (POST /api/enrollments). */
export function createEnrollment(request: EnrollmentRequest): Promise<ApiOutcome<Enrollment>> {
  return postJson<Enrollment>('/api/enrollments', request);
}
