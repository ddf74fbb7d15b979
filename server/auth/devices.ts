import { randomUUID } from 'node:crypto';
import type { DeviceInfo, Enrollment, EnrollmentRequest, MyDevice } from '../../shared/accounts.js';
import { badRequest, conflict, expired, notFound } from '../errors.js';
import type { DeviceRecord } from '../storage/accounts.js';
import type { Repository } from '../storage/repository.js';
import { looksLikeSecret, newSecret, secretHash } from './secrets.js';
import { TOUCH_EVERY_MS } from './sessions.js';

/** An enrollment code works for this long. */
export const ENROLLMENT_TTL_MS = 24 * 60 * 60 * 1000;
/** The device cookie's Max-Age: ten years, in seconds. The server, not the browser, ends a credential. */
export const DEVICE_COOKIE_MAX_AGE = 10 * 365 * 24 * 60 * 60;

export function deviceInfo(d: DeviceRecord): DeviceInfo {
  return {
    id: d.id,
    name: d.name,
    kiosk: d.kiosk,
    formIds: d.formIds,
    createdAt: d.createdAt,
    enrollmentExpiresAt: d.enrollmentExpiresAt,
    enrolledAt: d.enrolledAt,
    lastSeenAt: d.lastSeenAt,
    appVersion: d.appVersion,
    revokedAt: d.revokedAt,
  };
}

export function myDevice(d: DeviceRecord): MyDevice {
  return { id: d.id, name: d.name, kiosk: d.kiosk, formIds: d.formIds };
}

/** Whether the device may send submissions on the form and receive its definition. */
export function deviceMayUse(device: DeviceRecord, formId: string): boolean {
  return device.formIds === null || device.formIds.includes(formId);
}

/**
 * Creates a device waiting for its enrollment, and its one-time code; the
 * link is `${origin}/enroll#code=…`. Only the code's hash is stored.
 */
export async function createEnrollment(
  repo: Repository,
  request: EnrollmentRequest,
  origin: string,
  now: Date,
): Promise<Enrollment> {
  const name = request.name.trim();
  if (name === '') throw badRequest('Give the device a name, to know it again in the list.', 'name');
  const code = newSecret();
  const device: DeviceRecord = {
    id: randomUUID(),
    name,
    kiosk: request.kiosk,
    formIds: request.formIds && [...new Set(request.formIds)].sort(),
    credentialHash: null,
    enrollmentCodeHash: secretHash(code),
    enrollmentExpiresAt: new Date(now.getTime() + ENROLLMENT_TTL_MS).toISOString(),
    createdAt: now.toISOString(),
    enrolledAt: null,
    lastSeenAt: null,
    appVersion: null,
    revokedAt: null,
    installationId: null,
  };
  await repo.insertDevice(device);
  return {
    deviceId: device.id,
    code,
    url: `${origin}/enroll#code=${code}`,
    expiresAt: device.enrollmentExpiresAt,
  };
}

const ASK_AGAIN = 'Ask an administrator or your supervisor for a new QR code.';

/**
 * Enrolls the device whose code this is: answers it with its new
 * credential (only whose hash is stored). The code works once, for 24
 * hours, and not once its device is revoked: 404 for a code the server
 * never gave, 409 for one used, 410 for one expired or revoked. The
 * installation id the browser gives is recorded: a browser enrolled again
 * after a revocation still hears the reviews of what it sent before.
 */
export async function enrollDevice(
  repo: Repository,
  code: string,
  installationId: string | null,
  now: Date,
): Promise<{ credential: string; device: DeviceRecord }> {
  const codeHash = looksLikeSecret(code) ? secretHash(code) : null;
  const credential = newSecret();
  const at = now.toISOString();
  const device = codeHash && (await repo.enrollDevice(codeHash, secretHash(credential), at, installationId));
  if (device) return { credential, device };
  const found = codeHash && (await repo.findDeviceByEnrollmentCode(codeHash));
  if (!found) throw notFound(`This enrollment code is not one the server gave. Check the link. ${ASK_AGAIN}`);
  if (found.enrolledAt !== null)
    throw conflict(
      `This enrollment code was already used (${found.enrolledAt}): each works once. If this device did not use it, tell an administrator, who should revoke "${found.name}". ${ASK_AGAIN}`,
    );
  if (found.revokedAt !== null) throw expired(`The device this code was for has been revoked. ${ASK_AGAIN}`);
  throw expired(
    `This enrollment code expired (${found.enrollmentExpiresAt}): each works for 24 hours. ${ASK_AGAIN}`,
  );
}

/** Revokes a device at once: its credential, or its unused code, is refused from now on. 404 when unknown. */
export async function revokeDevice(repo: Repository, id: string, now: Date): Promise<DeviceRecord> {
  const device = await repo.revokeDevice(id, now.toISOString());
  if (!device) throw notFound(`The server has no device ${id}.`);
  return device;
}

/**
 * The enrolled, unrevoked device a device cookie names; its request (and
 * the app version it reports) is recorded, at most once a minute unless
 * the version changed.
 */
export async function resolveDevice(
  repo: Repository,
  credential: string,
  appVersion: string | null,
  now: Date,
): Promise<DeviceRecord | null> {
  if (!looksLikeSecret(credential)) return null;
  const device = await repo.findDeviceByCredential(secretHash(credential));
  if (!device || device.revokedAt !== null) return null;
  const seen = device.lastSeenAt === null ? 0 : Date.parse(device.lastSeenAt);
  const versionChanged = appVersion !== null && appVersion !== device.appVersion;
  if (now.getTime() - seen < TOUCH_EVERY_MS && !versionChanged) return device;
  const at = now.toISOString();
  await repo.touchDevice(device.id, at, appVersion);
  return { ...device, lastSeenAt: at, appVersion: appVersion ?? device.appVersion };
}
