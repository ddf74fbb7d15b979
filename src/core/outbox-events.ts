/**
 * Tells every page and the service worker that a submission changed, so the
 * outbox, badges and (later) the map update without a reload. A
 * BroadcastChannel reaches the other contexts; it never echoes to its sender,
 * so listeners in this context are called directly.
 */
import type { SubmissionStatus } from '../../shared/outbox.js';

export interface OutboxChange {
  /** The submission, or null when many changed at once. */
  id: string | null;
  status: SubmissionStatus | 'deleted' | null;
}

const CHANNEL = 'fieldsync-outbox';
const local = new Set<(c: OutboxChange) => void>();
let channel: BroadcastChannel | null = null;

function getChannel(): BroadcastChannel {
  if (!channel) {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (e: MessageEvent<OutboxChange>) => {
      for (const l of local) l(e.data);
    };
  }
  return channel;
}

export function notifyOutboxChange(change: OutboxChange): void {
  getChannel().postMessage(change);
  for (const l of local) l(change);
}

/** Calls listener on every change, from any context. Returns the unsubscribe function. */
export function onOutboxChange(listener: (c: OutboxChange) => void): () => void {
  getChannel();
  local.add(listener);
  return () => local.delete(listener);
}
