/**
 * Background Sync: each `submission:{id}` tag sends that submission with the
 * same sending module as the page. A failed event makes the browser retry;
 * after its last chance the submission is "waiting" and the app registers it
 * again when it next starts or comes online.
 */
import { submissionIdFromTag, syncSubmission } from '../src/core/background-sync.js';
import { notifySendProgress } from '../src/core/outbox-events.js';

export function onSync(event: SyncEvent): void {
  const id = submissionIdFromTag(event.tag);
  if (!id) return;
  event.waitUntil(
    syncSubmission(id, event.lastChance, { onProgress: (p) => notifySendProgress(p, 'worker') }),
  );
}
