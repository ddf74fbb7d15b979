/**
 * When the app checks in with the server: it reports what it still holds
 * unsent, and asks what reviewers did to the submissions sent. On opening,
 * when the network returns, when the app comes back into view, after
 * sending, and after a refresh of the forms (the host calls hear()). At
 * most once per interval; the worker checks in on its syncs too.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { fetchFeedback } from '../core/feedback.js';
import { reportOutbox } from '../core/outbox-report.js';
import { onOutboxChange } from '../core/outbox-events.js';
import type { Stores } from '../core/stores.js';
import { throttle } from '../throttle.js';

const INTERVAL_MS = 10_000;

export class FeedbackController implements ReactiveController {
  /** Asks soon (at once the first time, then at most once per interval). */
  readonly hear = throttle(
    () => void Promise.all([reportOutbox({ stores: this.stores() }), fetchFeedback(this.stores())]),
    INTERVAL_MS,
  );
  private unsubscribe: (() => void) | null = null;
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') this.hear();
  };

  constructor(
    host: ReactiveControllerHost,
    /** The host's databases (tests give elements their own). */
    private readonly stores: () => Stores,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    addEventListener('online', this.hear);
    document.addEventListener('visibilitychange', this.onVisible);
    this.unsubscribe = onOutboxChange((c) => {
      // A new one saved, one sent, one deleted: the count the supervisor sees has changed.
      if (c.status === 'sent' || c.status === 'queued' || c.status === null) this.hear();
    });
    this.hear();
  }

  hostDisconnected(): void {
    removeEventListener('online', this.hear);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
