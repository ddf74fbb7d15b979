/**
 * Background Sync: each `submission:{id}` tag sends that submission with the
 * same sending module as the page. A failed event makes the browser retry;
 * after its last chance the submission is "waiting" and the app registers it
 * again when it next starts or comes online. While a page of the app is in
 * view, a failed attempt waits for that page to deliver instead.
 */
import { submissionIdFromTag, syncSubmission } from '../src/core/background-sync.js';
import { notifySendProgress } from '../src/core/outbox-events.js';
import { reportOutboxSoon } from '../src/core/outbox-report.js';

declare const self: ServiceWorkerGlobalScope;

async function pageInView(): Promise<boolean> {
  const windows = await self.clients.matchAll({ type: 'window' });
  return windows.some((w) => w.visibilityState === 'visible');
}

/** Aborts when a new version of the worker is installing or waiting: it must not be kept waiting. */
function newVersionComing(): AbortSignal {
  const coming = new AbortController();
  const registration = self.registration;
  if (registration.installing || registration.waiting) coming.abort();
  else registration.addEventListener('updatefound', () => coming.abort(), { once: true });
  return coming.signal;
}

export function onSync(event: SyncEvent): void {
  const id = submissionIdFromTag(event.tag);
  if (!id) return;
  event.waitUntil(
    syncSubmission(id, event.lastChance, {
      onProgress: (p) => notifySendProgress(p, 'worker'),
      pageInView,
      stopWaiting: newVersionComing(),
    }).finally(
      // With every page closed, the supervisor still learns what is left; unchanged, it is
      // not sent again. Events ending together share one report (one read of the outbox).
      () => reportOutboxSoon({ minIntervalMs: 60_000 }),
    ),
  );
}
