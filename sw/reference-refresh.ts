/**
 * Periodic Background Sync: the daily `reference-data` event refreshes the
 * forms and choice lists with the same module the page uses; open pages hear
 * of the result on the app's BroadcastChannel.
 */
import { REFERENCE_SYNC_TAG, refreshReference } from '../src/core/reference.js';

export function onPeriodicSync(event: PeriodicSyncEvent): void {
  if (event.tag !== REFERENCE_SYNC_TAG) return;
  // refreshReference never throws: a failure is recorded and the old data kept.
  event.waitUntil(refreshReference({ by: 'worker' }));
}
