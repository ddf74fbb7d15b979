/**
 * The test browser as an enrolled device, the way a phone becomes one: the
 * test server's administrator makes a one-time code (a test-runner command,
 * test/support/server-plugin.js), and this page redeems it with the app's own
 * POST /api/enroll, so the browser holds the HttpOnly device cookie. Every
 * test page of the run shares the browser's cookies.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import type { Enrollment, Me, MyDevice } from '../../shared/accounts.js';
import type { ServerSubmission } from '../../shared/submission.js';
import { enroll } from '../../src/core/enrollment.js';
import type { Stores } from '../../src/core/stores.js';
import { testStores } from './fixtures.js';

export interface EnrollOptions {
  /** Enroll with a new code even when the browser is enrolled already. */
  fresh?: boolean;
  /** The forms the device may use; every form when null (the default). */
  formIds?: string[] | null;
  /** Where the app records the enrollment; a throw-away store when omitted. */
  stores?: Stores;
}

/** Who the server says this browser is. */
export async function whoAmI(): Promise<Me> {
  return (await (await fetch('/api/me', { cache: 'no-store' })).json()) as Me;
}

const sameForms = (a: string[] | null, b: string[] | null): boolean =>
  JSON.stringify(a && [...a].sort()) === JSON.stringify(b && [...b].sort());

/**
 * Makes this browser an enrolled device (for every form unless told), with
 * the app's own enrollment; does nothing when it already is one, since the
 * server lets one address enroll only 10 times a minute.
 */
export async function enrollThisBrowser(options: EnrollOptions = {}): Promise<MyDevice> {
  const formIds = options.formIds ?? null;
  if (!options.fresh) {
    const { device } = await whoAmI();
    if (device && sameForms(device.formIds, formIds)) return device;
  }
  const made = await executeServerCommand<Enrollment, { formIds: string[] | null }>('enrollment-code', {
    formIds,
  });
  if (!made) throw new Error('The test server gave no enrollment code.');
  const outcome = await enroll(made.code, { stores: options.stores ?? testStores() });
  if (outcome.kind !== 'enrolled') throw new Error(`Enrolling the test browser failed: ${outcome.message}`);
  return outcome.device;
}

/** Revokes the device this browser is enrolled as, as an administrator would; resolves to its id. */
export async function revokeThisBrowser(): Promise<string> {
  const { device } = await whoAmI();
  if (!device) throw new Error('This browser is not enrolled.');
  await executeServerCommand('revoke-device', { id: device.id });
  return device.id;
}

/** A submission as the server holds it (read by its administrator), or null. */
export async function serverSubmission(id: string): Promise<ServerSubmission | null> {
  const answer = await executeServerCommand<{ submission: ServerSubmission | null }, { id: string }>(
    'server-submission',
    { id },
  );
  return answer?.submission ?? null;
}

/** Every submission the server holds, newest first. */
export async function serverSubmissions(): Promise<ServerSubmission[]> {
  return (await executeServerCommand<ServerSubmission[], null>('server-submissions', null)) ?? [];
}

/** The SHA-256 of the bytes the server holds for a photo, or null when it has none. */
export async function serverPhotoSha256(sha256: string): Promise<string | null> {
  const answer = await executeServerCommand<{ sha256: string | null }, { sha256: string }>(
    'server-photo-sha256',
    { sha256 },
  );
  return answer?.sha256 ?? null;
}
