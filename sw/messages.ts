/** Requests from pages: take over after an update, tell the version. */
import type { WorkerRequest, WorkerVersion } from '../shared/messages.js';

declare const self: ServiceWorkerGlobalScope;

export function onMessage(event: ExtendableMessageEvent): void {
  const message = event.data as WorkerRequest | null;
  switch (message?.type) {
    case 'skip-waiting':
      event.waitUntil(self.skipWaiting());
      break;
    case 'get-version': {
      const reply: WorkerVersion = { version: __APP_VERSION__ };
      event.ports[0]?.postMessage(reply);
      break;
    }
  }
}
