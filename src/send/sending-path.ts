/**
 * Which way submissions leave this device, decided once at start-up:
 * the service worker through Background Sync where the browser has it and
 * allows it (it sends even after the page is closed), else this page.
 */
import { submissionTag } from '../core/background-sync.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { listSubmissions } from '../core/submissions.js';
import { SENDABLE } from '../core/sender.js';

export type SendingPath =
  | {
      kind: 'background-sync';
      registration: ServiceWorkerRegistration & { sync: SyncManager };
      reason: string;
    }
  | { kind: 'page'; reason: string };

/** The state of a permission, or why it cannot be known. */
export async function permissionState(name: string): Promise<PermissionState | 'unsupported'> {
  try {
    return (await navigator.permissions.query({ name: name as PermissionName })).state;
  } catch {
    return 'unsupported';
  }
}

export async function chooseSendingPath(
  registration: ServiceWorkerRegistration | null,
): Promise<SendingPath> {
  if (!registration) return { kind: 'page', reason: 'There is no service worker.' };
  if (!('SyncManager' in globalThis) || !registration.sync) {
    return { kind: 'page', reason: 'This browser has no Background Sync.' };
  }
  const permission = await permissionState('background-sync');
  if (permission !== 'granted') {
    return {
      kind: 'page',
      reason: `Background Sync is not allowed for this site (permission: ${permission}).`,
    };
  }
  return {
    kind: 'background-sync',
    registration: registration as ServiceWorkerRegistration & { sync: SyncManager },
    reason: 'Background Sync is available and allowed: submissions are sent even after the app is closed.',
  };
}

/**
 * Registers the tag of every submission still to send that has none: those
 * whose tag the browser dropped after its last retry ("waiting"), and any
 * saved while the registration failed. Resolves to the tags registered.
 */
export async function registerMissingTags(sync: SyncManager, s: Stores = defaultStores): Promise<string[]> {
  const [tags, subs] = await Promise.all([sync.getTags(), listSubmissions(s)]);
  const have = new Set(tags);
  const missing = subs
    .filter((r) => SENDABLE.has(r.status))
    .map((r) => submissionTag(r.payload.id))
    .filter((t) => !have.has(t));
  for (const tag of missing) await sync.register(tag);
  return missing;
}
