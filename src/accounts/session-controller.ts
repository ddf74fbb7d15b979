/**
 * The app's AccountSession on an element: found through sessionContext when
 * the element connects, and a re-render whenever who is signed in changes.
 * Without a provider above (an element tested on its own) session is null.
 */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveElement } from 'lit';
import type { ApiOutcome } from './accounts-api.js';
import { sessionContext, type AccountSession } from './account-session.js';

export class SessionController implements ReactiveController {
  session: AccountSession | null = null;
  private readonly onChange = () => this.host.requestUpdate();

  constructor(private readonly host: ReactiveElement) {
    host.addController(this);
    new ContextConsumer(host, {
      context: sessionContext,
      subscribe: true,
      callback: (session) => this.attach(session ?? null),
    });
  }

  hostConnected(): void {
    this.session?.addEventListener('change', this.onChange);
  }

  hostDisconnected(): void {
    this.session?.removeEventListener('change', this.onChange);
  }

  /**
   * Whether an answer says the person must sign in (again, or as someone
   * allowed): 401 or 403. Then asks the server who is signed in now, so the
   * navigation and the expiry warning follow.
   */
  signInNeeded(outcome: ApiOutcome<unknown>): boolean {
    const needed = outcome.kind === 'refused' && (outcome.status === 401 || outcome.status === 403);
    if (needed) void this.session?.refresh();
    return needed;
  }

  private attach(session: AccountSession | null): void {
    if (session === this.session) return;
    this.session?.removeEventListener('change', this.onChange);
    this.session = session;
    session?.addEventListener('change', this.onChange);
    this.host.requestUpdate();
  }
}
