/**
 * The page's side of the daily background refresh: registers the periodic
 * Background Sync tag where the browser has it and allows it, and removes it
 * when the user turns background refresh off. Most browsers and devices do
 * not allow it (it needs an installed app with enough use); that is the
 * normal case, and the app then refreshes on start-up, on `online` and on
 * request instead.
 */
import { get, set } from 'idb-keyval';
import { REFERENCE_SYNC_TAG, REFRESH_AFTER_MS } from '../core/reference.js';
import { defaultStores, guardQuota, type Stores } from '../core/stores.js';
import { permissionState } from '../send/sending-path.js';

const SETTING_KEY = 'backgroundRefresh';

export type BackgroundRefreshStatus =
  'registered' | 'off' | 'unsupported' | 'not-allowed' | 'no-worker' | 'failed';

export interface BackgroundRefreshState {
  /** The user's setting. */
  enabled: boolean;
  status: BackgroundRefreshStatus;
  /** Why, in words for the diagnostics screen. */
  reason: string;
  /** Periodic sync tags registered now; null where the browser has no periodic sync. */
  tags: string[] | null;
  permission: PermissionState | 'unsupported';
}

/** Whether the user wants background refresh; on unless turned off. */
export async function getBackgroundRefreshSetting(s: Stores = defaultStores): Promise<boolean> {
  return (await get<boolean>(SETTING_KEY, s.settings)) !== false;
}

export async function setBackgroundRefreshSetting(
  enabled: boolean,
  s: Stores = defaultStores,
): Promise<void> {
  await guardQuota(() => set(SETTING_KEY, enabled, s.settings));
}

type PeriodicRegistration = ServiceWorkerRegistration & { periodicSync: PeriodicSyncManager };

function periodicOf(registration: ServiceWorkerRegistration | null): PeriodicRegistration | null {
  if (!registration || !('PeriodicSyncManager' in globalThis) || !registration.periodicSync) return null;
  return registration as PeriodicRegistration;
}

/**
 * Brings the browser's registration in line with the setting: registers the
 * tag (minInterval one day) when on and allowed, unregisters it when off.
 * A missing API and a refused permission are outcomes, not errors.
 */
export async function applyBackgroundRefresh(
  registration: ServiceWorkerRegistration | null,
  s: Stores = defaultStores,
): Promise<BackgroundRefreshState> {
  const enabled = await getBackgroundRefreshSetting(s);
  const permission = await permissionState('periodic-background-sync');
  const base = { enabled, permission, tags: null };
  if (!registration) return { ...base, status: 'no-worker', reason: 'There is no service worker.' };
  const found = periodicOf(registration);
  if (!found) {
    return { ...base, status: 'unsupported', reason: 'This browser has no periodic Background Sync.' };
  }
  // register() needs an active worker; on the first visit it is still installing.
  const reg = found.active ? found : ((await navigator.serviceWorker.ready) as PeriodicRegistration);
  const periodic = reg.periodicSync;
  if (!enabled) {
    await periodic.unregister(REFERENCE_SYNC_TAG);
    return {
      ...base,
      tags: await periodic.getTags(),
      status: 'off',
      reason: 'Background refresh is turned off.',
    };
  }
  if (permission === 'granted') {
    try {
      await periodic.register(REFERENCE_SYNC_TAG, { minInterval: REFRESH_AFTER_MS });
    } catch (e) {
      // The browser may still refuse (not installed, too little use): expected, not an error.
      if (!(e instanceof DOMException && e.name === 'NotAllowedError')) {
        return { ...base, tags: await periodic.getTags(), status: 'failed', reason: String(e) };
      }
    }
  }
  return describe(enabled, permission, await periodic.getTags());
}

/** What the browser holds now, without changing it (for the diagnostics screen). */
export async function backgroundRefreshState(
  registration: ServiceWorkerRegistration | null,
  s: Stores = defaultStores,
): Promise<BackgroundRefreshState> {
  const [enabled, permission] = await Promise.all([
    getBackgroundRefreshSetting(s),
    permissionState('periodic-background-sync'),
  ]);
  if (!registration) {
    return { enabled, permission, tags: null, status: 'no-worker', reason: 'There is no service worker.' };
  }
  const reg = periodicOf(registration);
  if (!reg) {
    return {
      enabled,
      permission,
      tags: null,
      status: 'unsupported',
      reason: 'This browser has no periodic Background Sync.',
    };
  }
  const tags = await reg.periodicSync.getTags().catch(() => [] as string[]);
  if (!enabled)
    return { enabled, permission, tags, status: 'off', reason: 'Background refresh is turned off.' };
  return describe(enabled, permission, tags);
}

function describe(
  enabled: boolean,
  permission: PermissionState | 'unsupported',
  tags: string[],
): BackgroundRefreshState {
  const base = { enabled, permission, tags };
  if (tags.includes(REFERENCE_SYNC_TAG)) {
    return { ...base, status: 'registered', reason: 'The browser refreshes the forms about once a day.' };
  }
  return {
    ...base,
    status: 'not-allowed',
    reason: `The browser does not allow background refresh for this site (permission: ${permission}); forms are refreshed when the app opens, comes online, or on request.`,
  };
}
