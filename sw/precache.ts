/**
 * The app shell, precached at install from the manifest workbox injects at
 * build time, and served from the cache first. Caches of older builds are
 * removed once the new worker is active.
 */
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import type { PrecacheEntry } from 'workbox-precaching/_types.js';

export function setUpPrecache(manifest: (PrecacheEntry | string)[]): void {
  cleanupOutdatedCaches();
  precacheAndRoute(manifest);
}
