/**
 * Routing beyond the precache. Every screen's address (a deep link, a reload
 * offline) is answered with the precached app shell. API requests are
 * deliberately not routed: they always go to the network and are never
 * served stale from a cache. Anything else falls through to the network.
 */
import { createHandlerBoundToURL } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { cacheNames } from 'workbox-core';

export function setUpRoutes(): void {
  registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//] }));
}

/**
 * Where the browser has static routes, API requests skip this worker
 * altogether: no fetch event, no waking the worker for each request a
 * draining outbox makes. Elsewhere they pass through unrouted, as above.
 * The app's hashed files are taken by the browser straight from the
 * precache (a file missing from it, from the network): a screen loaded on
 * demand no longer waits for the worker to answer each of its modules.
 */
export function onInstall(event: ExtendableEvent): void {
  const addRoutes = (event as InstallEvent).addRoutes?.bind(event);
  if (!addRoutes) return;
  // Added one by one: a browser from before routes to a named cache refuses only that one.
  event.waitUntil(
    Promise.all([
      addRoutes({ condition: { urlPattern: { pathname: '/api/*' } }, source: 'network' }).catch(
        (e: unknown) => console.warn('Static routes refused; API requests pass through the worker', e),
      ),
      addRoutes({
        condition: { urlPattern: { pathname: '/assets/*' } },
        source: { cacheName: cacheNames.precache },
      }).catch((e: unknown) =>
        console.warn("Static routes refused; the app's files pass through the worker", e),
      ),
    ]),
  );
}
