/** The messages between the page and the reference refresh worker. */
import type { RefreshAttempt } from '../core/reference.js';

export interface RefreshRequest {
  /** The prefix of the databases to refresh (src/core/stores.ts). */
  prefix: string;
  baseUrl: string;
}

export interface RefreshReply {
  attempt: RefreshAttempt;
  /** When the data now held was last confirmed; null when the device holds none. */
  checkedAt: string | null;
}
