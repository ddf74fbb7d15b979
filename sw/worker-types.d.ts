// Platform types the WebWorker library does not have yet, declared once.
import type { PrecacheEntry } from 'workbox-precaching/_types.js';

declare global {
  /** Background Sync (one-off): fired when the browser thinks the network is back. */
  interface SyncEvent extends ExtendableEvent {
    readonly tag: string;
    /** True on the browser's final attempt for this tag. */
    readonly lastChance: boolean;
  }

  /** Periodic Background Sync. */
  interface PeriodicSyncEvent extends ExtendableEvent {
    readonly tag: string;
  }

  /** A rule of the Service Worker Static Routing API (Chromium 123+). */
  interface RouterRule {
    condition: { urlPattern?: URLPatternInit | string; requestMethod?: string };
    source: 'network' | 'cache' | 'fetch-event' | 'race-network-and-fetch-handler' | { cacheName: string };
  }

  /** The install event, where the browser has static routes. */
  interface InstallEvent extends ExtendableEvent {
    addRoutes?(rules: RouterRule | RouterRule[]): Promise<void>;
  }

  interface URLPatternInit {
    pathname?: string;
  }

  interface ServiceWorkerGlobalScopeEventMap {
    sync: SyncEvent;
    periodicsync: PeriodicSyncEvent;
  }

  interface ServiceWorkerGlobalScope {
    /** Replaced at build time by workbox's injectManifest with the app shell's files and revisions. */
    __WB_MANIFEST: (PrecacheEntry | string)[];
  }
}
