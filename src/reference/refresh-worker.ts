/**
 * Refreshes the reference data off the page's main thread: parsing the
 * download (1.4 MB with the village list), checking it and writing it take
 * long tasks on a phone, at the very moment its first screen is drawn.
 * Started for one refresh, then ended (src/reference/refresh-off-thread.ts).
 */
import { refreshReference } from '../core/reference.js';
import { openStores } from '../core/stores.js';
import type { RefreshReply, RefreshRequest } from './refresh-messages.js';

/** What this file uses of DedicatedWorkerGlobalScope, which the page's DOM typings lack. */
interface RefreshWorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent<RefreshRequest>) => void): void;
  postMessage(message: RefreshReply): void;
}

const scope = self as unknown as RefreshWorkerScope;

scope.addEventListener('message', (event) => {
  const { prefix, baseUrl } = event.data;
  // refreshReference never throws; its stored copy is read again by the page, as text, cheaply.
  void refreshReference({ baseUrl }, openStores(prefix)).then(({ attempt, reference }) =>
    scope.postMessage({ attempt, checkedAt: reference?.checkedAt ?? null }),
  );
});
