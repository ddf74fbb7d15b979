// Background Sync's registration API, missing from TypeScript's DOM and
// WebWorker libraries, declared once for the page and the service worker.

interface SyncManager {
  register(tag: string): Promise<void>;
  getTags(): Promise<string[]>;
}

interface PeriodicSyncManager {
  register(tag: string, options?: { minInterval?: number }): Promise<void>;
  getTags(): Promise<string[]>;
  unregister(tag: string): Promise<void>;
}

interface ServiceWorkerRegistration {
  /** Absent where the browser has no Background Sync (Firefox, Safari). */
  readonly sync?: SyncManager;
  readonly periodicSync?: PeriodicSyncManager;
}
