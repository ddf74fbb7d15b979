/** Small device-wide values: the device id. The reference data lives in reference.ts. */
import { promisifyRequest } from 'idb-keyval';
import { defaultStores, type Stores } from './stores.js';

/**
 * A random id for this installation, made once. It lets the server tell
 * devices apart without knowing anything about the person.
 */
export async function getDeviceId(s: Stores = defaultStores): Promise<string> {
  let id = '';
  // Read and write in one transaction, so two tabs starting together agree.
  await s.settings('readwrite', (store) => {
    const req = store.get('deviceId');
    req.onsuccess = () => {
      if (typeof req.result === 'string') {
        id = req.result;
      } else {
        id = crypto.randomUUID();
        store.put(id, 'deviceId');
      }
    };
    return promisifyRequest(store.transaction);
  });
  return id;
}
