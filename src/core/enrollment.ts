/**
 * Whether this browser is enrolled as a device, as the server last said, and
 * enrolling it with the code of an enrollment link. The credential itself is
 * an HttpOnly cookie that no script reads: what the device keeps here is
 * only what the server's answers showed, so that every screen (and the
 * service worker) can say why nothing is being sent. Read and written by the
 * page and the worker alike; no DOM API.
 */
import { get, promisifyRequest } from 'idb-keyval';
import type { EnrollRequest, Me, MyDevice } from '../../shared/accounts.js';
import type { EnrollmentState } from '../../shared/messages.js';
import type { ApiError } from '../../shared/submission.js';
import { apiFetch } from './api-request.js';
import { notifyEnrollmentChange } from './outbox-events.js';
import { forgetLastReport } from './outbox-report.js';
import { getDeviceId } from './settings.js';
import { defaultStores, guardQuota, type Stores } from './stores.js';

export type { EnrollmentState };

const KEY = 'enrollment';

const UNKNOWN: EnrollmentState = { device: null, confirmedAt: null, notEnrolledSince: null };

/** What the server last said about this browser's enrollment. */
export async function getEnrollment(s: Stores = defaultStores): Promise<EnrollmentState> {
  const stored = await get<Partial<EnrollmentState>>(KEY, s.settings);
  return { ...UNKNOWN, ...stored };
}

/** The words every screen that shows the outbox or the forms uses while the device is not enrolled; null while it is. */
export function notEnrolledMessage(state: EnrollmentState): string | null {
  if (state.notEnrolledSince === null) return null;
  if (state.device || state.confirmedAt)
    return 'This device is no longer enrolled: nothing is lost; ask your supervisor for a new QR code.';
  return 'This device is not enrolled yet: nothing saved here is lost; ask your supervisor for a QR code and open it on this device.';
}

/** Read-modify-write of the state in one transaction; announces it when it changed. */
async function change(
  s: Stores,
  next: (current: EnrollmentState) => EnrollmentState | null,
): Promise<EnrollmentState> {
  let result: EnrollmentState = UNKNOWN;
  let changed = false;
  await guardQuota(() =>
    s.settings('readwrite', (store) => {
      const req = store.get(KEY);
      req.onsuccess = () => {
        const current = { ...UNKNOWN, ...(req.result as Partial<EnrollmentState> | undefined) };
        const updated = next(current);
        result = updated ?? current;
        if (updated === null) return;
        changed = true;
        store.put(updated, KEY);
      };
      return promisifyRequest(store.transaction);
    }),
  );
  if (changed) {
    // A new enrollment is a new device to the server: it has no report from it yet.
    forgetLastReport();
    notifyEnrollmentChange(result);
  }
  return result;
}

/**
 * Records that the server refused this browser's credential (a 401) in
 * answer to a request sent at `sentAt` (epoch ms). An answer to a request
 * sent before the browser last enrolled says nothing about the new
 * credential, and is ignored.
 */
export function markNotEnrolled(sentAt: number, s: Stores = defaultStores): Promise<EnrollmentState> {
  const now = new Date().toISOString();
  return change(s, (current) => {
    if (current.notEnrolledSince !== null) return null;
    if (current.confirmedAt !== null && Date.parse(current.confirmedAt) > sentAt) return null;
    return { ...current, notEnrolledSince: now };
  });
}

/** Records that the server knows this browser as this device (it just enrolled, or GET /api/me said so). */
export function markEnrolled(device: MyDevice, s: Stores = defaultStores): Promise<EnrollmentState> {
  const now = new Date().toISOString();
  return change(s, () => ({ device, confirmedAt: now, notEnrolledSince: null }));
}

export interface ApiOptions {
  /** Origin of the server; '' for the page's own. */
  baseUrl?: string;
  fetcher?: typeof fetch;
  stores?: Stores;
}

/**
 * Asks the server who this browser is (GET /api/me, open to anyone) and
 * records the answer: enrolled as a device, or not. Resolves to the answer,
 * or null when the server could not be asked (offline): nothing is recorded
 * then. Never throws.
 */
export async function checkEnrollment(o: ApiOptions = {}): Promise<Me | null> {
  const s = o.stores ?? defaultStores;
  const sentAt = Date.now();
  try {
    const res = await apiFetch(
      `${o.baseUrl ?? ''}/api/me`,
      { cache: 'no-store', signal: AbortSignal.timeout(10_000) },
      o.fetcher,
    );
    if (!res.ok) return null;
    const me = (await res.json()) as Me;
    if (me.device) await markEnrolled(me.device, s);
    else await markNotEnrolled(sentAt, s);
    return me;
  } catch {
    return null;
  }
}

export type EnrollOutcome =
  | { kind: 'enrolled'; device: MyDevice }
  /** The code cannot be used: expired (or its device revoked), used already, never given, or too many tries. */
  | { kind: 'refused'; reason: 'expired' | 'used' | 'unknown' | 'rate-limited'; message: string }
  /** No answer: no network, or the server is down. */
  | { kind: 'offline'; message: string }
  /** The server answered something else: an error on its side, or a proxy's page. */
  | { kind: 'failed'; message: string };

const NEW_CODE = 'ask your supervisor for a new QR code.';

async function apiError(res: Response): Promise<ApiError | null> {
  try {
    const body = (await res.json()) as Partial<ApiError> | null;
    return typeof body?.error === 'string' && typeof body.message === 'string' ? (body as ApiError) : null;
  } catch {
    return null;
  }
}

/**
 * Enrolls this browser with the code of an enrollment link (POST
 * /api/enroll): the server sets the device's credential as an HttpOnly
 * cookie, and the device it enrolled is recorded here, which ends the "not
 * enrolled" state. Never throws: every outcome is said in words a field
 * worker can act on.
 */
export async function enroll(code: string, o: ApiOptions = {}): Promise<EnrollOutcome> {
  const s = o.stores ?? defaultStores;
  // The id this browser's submissions carry: re-enrolled, it still hears the reviews of what it sent.
  const request: EnrollRequest = { code, installationId: await getDeviceId(s) };
  let res: Response;
  try {
    res = await apiFetch(
      `${o.baseUrl ?? ''}/api/enroll`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
        cache: 'no-store',
        signal: AbortSignal.timeout(20_000),
      },
      o.fetcher,
    );
  } catch {
    return {
      kind: 'offline',
      message:
        'The server could not be reached: connect to the network to enroll, then try again. The code stays valid until it is used.',
    };
  }
  if (res.ok) {
    let device: MyDevice;
    try {
      device = (await res.json()) as MyDevice;
    } catch {
      return { kind: 'failed', message: "The server's answer arrived incomplete: try again." };
    }
    await markEnrolled(device, s);
    return { kind: 'enrolled', device };
  }
  const err = await apiError(res);
  switch (res.status) {
    case 410:
      return {
        kind: 'refused',
        reason: 'expired',
        message: `This enrollment code has expired (each works for 24 hours): ${NEW_CODE}`,
      };
    case 409:
      return {
        kind: 'refused',
        reason: 'used',
        message: `This enrollment code was already used (each works once): ${NEW_CODE}`,
      };
    case 404:
      return {
        kind: 'refused',
        reason: 'unknown',
        message: `This enrollment code is not one the server gave (was the whole link opened?): ${NEW_CODE}`,
      };
    case 429:
      return {
        kind: 'refused',
        reason: 'rate-limited',
        message: err?.message ?? 'Too many tries from this network: wait a minute, then try again.',
      };
  }
  return {
    kind: 'failed',
    message: `The server could not enroll this device (HTTP ${res.status}${err ? `: ${err.message}` : ''}). Try again in a moment; if it keeps failing, tell your supervisor.`,
  };
}
