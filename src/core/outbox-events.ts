/**
 * Outbox news for every page and the service worker: a submission changed,
 * or a sender made progress. One BroadcastChannel reaches the other contexts;
 * it never echoes to its sender, so listeners here are called directly too.
 */
import {
  APP_CHANNEL,
  type AppMessage,
  type EnrollmentState,
  type SendProgressPayload,
  type SubmissionChange,
} from '../../shared/messages.js';

const local = new Set<(m: AppMessage) => void>();
let channel: BroadcastChannel | null = null;

function getChannel(): BroadcastChannel {
  if (!channel) {
    channel = new BroadcastChannel(APP_CHANNEL);
    channel.onmessage = (e: MessageEvent<AppMessage>) => {
      for (const l of local) l(e.data);
    };
  }
  return channel;
}

function publish(message: AppMessage): void {
  getChannel().postMessage(message);
  for (const l of local) l(message);
}

/** Calls listener on every message, from any context. Returns the unsubscribe function. */
export function onAppMessage(listener: (m: AppMessage) => void): () => void {
  getChannel();
  local.add(listener);
  return () => local.delete(listener);
}

export function notifyOutboxChange(change: SubmissionChange): void {
  publish({ type: 'submission-changed', payload: change });
}

/** Several submissions changed in one write: one message for them all. */
export function notifyOutboxChanges(changes: readonly SubmissionChange[]): void {
  const [only] = changes;
  if (changes.length === 1 && only) notifyOutboxChange(only);
  else if (changes.length > 1)
    publish({ type: 'submission-changed', payload: { id: null, status: null, batch: [...changes] } });
}

/** Calls listener whenever a submission changes, in any context: once for each of a batch. */
export function onOutboxChange(listener: (c: SubmissionChange) => void): () => void {
  return onAppMessage((m) => {
    if (m.type !== 'submission-changed') return;
    if (m.payload.batch) for (const c of m.payload.batch) listener(c);
    else listener(m.payload);
  });
}

export function notifySendProgress(progress: SendProgressPayload, sender: 'page' | 'worker'): void {
  publish({ type: 'send-progress', payload: { ...progress, sender } });
}

/** Tells every page that reviewers' feedback arrived. */
export function notifyFeedback(applied: number): void {
  publish({ type: 'feedback-updated', payload: { applied } });
}

/** Tells every page and the worker that this browser's enrollment changed (src/core/enrollment.ts). */
export function notifyEnrollmentChange(state: EnrollmentState): void {
  publish({ type: 'enrollment-changed', payload: state });
}
