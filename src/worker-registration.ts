/**
 * The page's side of the service worker: registering it, noticing that a new
 * version is installed and waiting, and handing over to it when the user
 * agrees (the page reloads once the new worker controls it).
 */
import type { WorkerRequest, WorkerVersion } from '../shared/messages.js';

export const WORKER_URL = '/sw.js';

/**
 * @fires update-ready - a new version is installed and waits for the user's agreement.
 */
class WorkerRegistration extends EventTarget {
  registration: ServiceWorkerRegistration | null = null;
  /** Why there is no worker, when there is none. */
  problem: string | null = null;
  private reloading = false;

  async register(): Promise<ServiceWorkerRegistration | null> {
    if (!('serviceWorker' in navigator)) {
      this.problem = 'This browser has no service workers (or the page is not on HTTPS).';
      return null;
    }
    try {
      const reg = await navigator.serviceWorker.register(WORKER_URL);
      this.registration = reg;
      if (reg.waiting && navigator.serviceWorker.controller) this.announce();
      reg.addEventListener('updatefound', () => {
        const incoming = reg.installing;
        incoming?.addEventListener('statechange', () => {
          // With no controller this is the first install, not an update.
          if (incoming.state === 'installed' && navigator.serviceWorker.controller) this.announce();
        });
      });
      navigator.serviceWorker.addEventListener('controllerchange', () => {
        if (this.reloading) location.reload();
      });
      return reg;
    } catch (e) {
      this.problem = `The service worker could not be registered: ${e instanceof Error ? e.message : String(e)}`;
      console.error(this.problem);
      return null;
    }
  }

  get updateWaiting(): boolean {
    return !!this.registration?.waiting && !!navigator.serviceWorker.controller;
  }

  /** Lets the waiting version take over; the page reloads when it has. */
  applyUpdate(): void {
    const waiting = this.registration?.waiting;
    if (!waiting) return;
    this.reloading = true;
    const request: WorkerRequest = { type: 'skip-waiting', payload: null };
    waiting.postMessage(request);
  }

  /** The controlling worker's version, or null when none answers. */
  async workerVersion(timeoutMs = 2000): Promise<string | null> {
    const worker = navigator.serviceWorker?.controller;
    if (!worker) return null;
    const { port1, port2 } = new MessageChannel();
    const answer = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      port1.onmessage = (e: MessageEvent<WorkerVersion>) => {
        clearTimeout(timer);
        resolve(e.data.version);
      };
    });
    const request: WorkerRequest = { type: 'get-version', payload: null };
    worker.postMessage(request, [port2]);
    return answer;
  }

  private announce(): void {
    this.dispatchEvent(new Event('update-ready'));
  }
}

export const workerRegistration = new WorkerRegistration();
