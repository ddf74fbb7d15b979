/**
 * Base-map tiles: an image request for the configured tile server is
 * answered by the tile cache (saved areas, then seen tiles, then the
 * network). Registered after the precache, so the app's own files never
 * reach it; other images go to the network as they would without a worker.
 */
import { registerRoute } from 'workbox-routing';
import { tileMatcher, type TileCoord } from '../shared/base-map.js';
import { onAppMessage } from '../src/core/outbox-events.js';
import { getBaseMap } from '../src/core/reference.js';
import { TileCache } from '../src/core/tile-cache.js';

type Matcher = (url: string) => TileCoord | null;

let matcher: Promise<Matcher | null> | null = null;
let tiles: TileCache | null = null;

/** The configured server's tile matcher, read once and again after each reference refresh. */
function currentMatcher(): Promise<Matcher | null> {
  matcher ??= getBaseMap()
    .then((config) => (config ? tileMatcher(config) : null))
    .catch(() => {
      // Try again with the next tile rather than never.
      matcher = null;
      return null;
    });
  return matcher;
}

export function setUpTileRoute(): void {
  onAppMessage((m) => {
    if (m.type === 'reference-updated') matcher = null;
  });
  registerRoute(
    ({ request }) => request.method === 'GET' && request.destination === 'image',
    async ({ request, event }) => {
      const isTile = await currentMatcher();
      if (!isTile?.(request.url)) return fetch(request);
      tiles ??= new TileCache();
      const { response, done } = tiles.handle(request);
      event.waitUntil(done);
      return response;
    },
  );
}
