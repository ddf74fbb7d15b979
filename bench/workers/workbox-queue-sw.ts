/**
 * The peer in the drain benchmark (bench/drain-vs-workbox.ts): Workbox's
 * background-sync Queue, as a web developer would use it, in a service
 * worker of its own. The page hands it requests to queue, then asks it to
 * replay them, and hears back how long the replay took.
 */
import { Queue } from 'workbox-background-sync';

declare const self: ServiceWorkerGlobalScope;

/** A request as the page describes it. */
interface QueuedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: ArrayBuffer;
}

type BenchMessage = { type: 'enqueue'; requests: QueuedRequest[] } | { type: 'replay' };

// The benchmark decides when to replay: no sync registration, no replay of its own on start-up.
const queue = new Queue('fieldsync-drain-bench', { forceSyncFallback: true, maxRetentionTime: 24 * 60 });

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  const port = event.ports[0];
  const message = event.data as BenchMessage;
  event.waitUntil(
    (async () => {
      if (message.type === 'enqueue') {
        for (const r of message.requests)
          await queue.pushRequest({
            request: new Request(r.url, { method: r.method, headers: r.headers, body: r.body }),
          });
        port?.postMessage({ queued: await queue.size() });
      } else {
        const before = await queue.size();
        const t0 = performance.now();
        await queue.replayRequests();
        port?.postMessage({ ms: performance.now() - t0, before, left: await queue.size() });
      }
    })(),
  );
});
