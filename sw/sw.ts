// The service worker's entry: it only wires events to the modules that do the work.
import { onMessage } from './messages.js';
import { setUpPrecache } from './precache.js';
import { onPeriodicSync } from './reference-refresh.js';
import { onInstall, setUpRoutes } from './routes.js';
import { onSync } from './sync.js';
import { setUpTileRoute } from './tiles.js';

declare const self: ServiceWorkerGlobalScope;

setUpPrecache(self.__WB_MANIFEST);
setUpRoutes();
setUpTileRoute();

// A new version waits until the user agrees to reload (see messages.ts);
// only the first install takes control at once.
self.addEventListener('install', onInstall);
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('sync', onSync);
self.addEventListener('periodicsync', onPeriodicSync);
self.addEventListener('message', onMessage);
