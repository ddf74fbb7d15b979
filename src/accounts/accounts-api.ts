/**
 * The account requests the page makes besides enrolling (src/core/enrollment.ts):
 * setting up the first administrator, signing in and out, and an
 * administrator's management of devices and users. Each resolves to an outcome said in
 * words; none throws.
 */
import type {
  DeviceInfo,
  Enrollment,
  EnrollmentRequest,
  Me,
  NewUserRequest,
  SetupRequest,
  SignInRequest,
  UserChangeRequest,
  UserInfo,
} from '../../shared/accounts.js';
import type { ApiError } from '../../shared/submission.js';
import { apiFetch } from '../core/api-request.js';

export type ApiOutcome<T> =
  | { kind: 'ok'; value: T }
  /** The server answered with a refusal: its status and its words. */
  | { kind: 'refused'; status: number; error: ApiError | null; message: string }
  /** No answer. */
  | { kind: 'offline'; message: string };

const OFFLINE = 'The server could not be reached: check the network connection, then try again.';

export async function call<T>(method: string, path: string, body?: unknown): Promise<ApiOutcome<T>> {
  let res: Response;
  try {
    res = await apiFetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    return { kind: 'offline', message: OFFLINE };
  }
  if (res.status === 204) return { kind: 'ok', value: null as T };
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
  return call<Me>('POST', '/api/setup', request);
}

/** As a signed-in administrator: a one-time enrollment code for a new device (POST /api/enrollments). */
export function createEnrollment(request: EnrollmentRequest): Promise<ApiOutcome<Enrollment>> {
  return call<Enrollment>('POST', '/api/enrollments', request);
}

/** Who this browser's credentials say is asking (GET /api/me). */
export function whoAmI(): Promise<ApiOutcome<Me>> {
  return call<Me>('GET', '/api/me');
}

/** Signs in (POST /api/session sets the session cookie). */
export function signIn(request: SignInRequest): Promise<ApiOutcome<Me>> {
  return call<Me>('POST', '/api/session', request);
}

/** Signs out of this browser (DELETE /api/session clears the session cookie). */
export function signOut(): Promise<ApiOutcome<null>> {
  return call<null>('DELETE', '/api/session');
}

/** As an administrator: every device, newest first. */
export function listDevices(): Promise<ApiOutcome<DeviceInfo[]>> {
  return call<DeviceInfo[]>('GET', '/api/devices');
}

/** As an administrator: revokes a device at once. */
export function revokeDevice(id: string): Promise<ApiOutcome<DeviceInfo>> {
  return call<DeviceInfo>('DELETE', `/api/devices/${encodeURIComponent(id)}`);
}

/** Ends every session of the signed-in person, on every browser (DELETE /api/sessions). */
export function signOutEverywhere(): Promise<ApiOutcome<null>> {
  return call<null>('DELETE', '/api/sessions');
}

/** As an administrator: every supervisor and administrator. */
export function listUsers(): Promise<ApiOutcome<UserInfo[]>> {
  return call<UserInfo[]>('GET', '/api/users');
}

/** As an administrator: a new supervisor or administrator. */
export function createUser(request: NewUserRequest): Promise<ApiOutcome<UserInfo>> {
  return call<UserInfo>('POST', '/api/users', request);
}

/** As an administrator: changes a user's role, forms or password, or disables them. */
export function changeUser(id: string, change: UserChangeRequest): Promise<ApiOutcome<UserInfo>> {
  return call<UserInfo>('PATCH', `/api/users/${encodeURIComponent(id)}`, change);
}
