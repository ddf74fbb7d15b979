/**
 * The app's AccountSession on an element: found through sessionContext when
 * the element connects, and a re-render whenever who is signed in changes.
 * Without a provider above (an element tested on its own) session is null.
 */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveElement } from 'lit';
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

  private attach(session: AccountSession | null): void {
    if (session === this.session) return;
    this.session?.removeEventListener('change', this.onChange);
    this.session = session;
    session?.addEventListener('change', this.onChange);
    this.host.requestUpdate();
  }
}
