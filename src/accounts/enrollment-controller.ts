/**
 * Whether this browser is enrolled, as the server last said, kept current on
 * an element: read from the device's databases when the element connects,
 * and again whenever any page or the service worker records a change.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { getEnrollment, notEnrolledMessage, type EnrollmentState } from '../core/enrollment.js';
import { onAppMessage } from '../core/outbox-events.js';
import type { Stores } from '../core/stores.js';

export class EnrollmentController implements ReactiveController {
  /** null until first read. */
  state: EnrollmentState | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    /** The host's databases, read when needed (tests give elements their own). */
    private readonly stores: () => Stores,
  ) {
    host.addController(this);
  }

  /** What to tell the user while the device is not enrolled; null while it is (or not known yet). */
  get message(): string | null {
    return this.state && notEnrolledMessage(this.state);
  }

  hostConnected(): void {
    // The message does not say whose databases changed: read ours again.
    this.unsubscribe = onAppMessage((m) => {
      if (m.type === 'enrollment-changed') void this.load();
    });
    void this.load();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private async load(): Promise<void> {
    this.state = await getEnrollment(this.stores()).catch(() => null);
    this.host.requestUpdate();
  }
}
