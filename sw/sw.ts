// The service worker entry: it only wires lifecycle events. Precaching,
// routes and Background Sync are added as their own modules.
declare const self: ServiceWorkerGlobalScope;

self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

export {};
