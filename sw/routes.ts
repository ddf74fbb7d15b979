/**
 * Routing beyond the precache. Every screen's address (a deep link, a reload
 * offline) is answered with the precached app shell. API requests are
 * deliberately not routed: they always go to the network and are never
 * served stale from a cache. Anything else falls through to the network.
 */
import { createHandlerBoundToURL } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

export function setUpRoutes(): void {
  registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//] }));
}
