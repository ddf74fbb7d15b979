/**
 * Periodic Background Sync: the daily `reference-data` event refreshes the
 * forms and choice lists with the same module the page uses, and hears what
 * reviewers did to the submissions sent, reporting what is still unsent;
 * open pages hear of both on the app's BroadcastChannel.
 */
import { fetchFeedback } from '../src/core/feedback.js';
import { reportOutbox } from '../src/core/outbox-report.js';
import { REFERENCE_SYNC_TAG, refreshReference } from '../src/core/reference.js';

export function onPeriodicSync(event: PeriodicSyncEvent): void {
  if (event.tag !== REFERENCE_SYNC_TAG) return;
  // Neither throws: a failure is recorded and the old data kept.
  event.waitUntil(Promise.all([refreshReference({ by: 'worker' }), fetchFeedback(), reportOutbox()]));
}
