import { LitElement, css, html, nothing } from 'lit';
import { SessionController } from '../accounts/session-controller.js';
import { SessionExpiryController, WARN_BEFORE_MS } from '../accounts/session-expiry-controller.js';
import { controlStyles } from '../styles/controls.js';

function minutes(ms: number): string {
  const n = Math.max(1, Math.ceil(ms / 60_000));
  return n === 1 ? '1 minute' : `${n} minutes`;
}

/**
 * Warns the signed-in person before their session ends, while what they
 * typed can still be saved: "Stay signed in" counts as use and moves the
 * idle limit on. Once it has ended, says how to sign in again without
 * leaving the screen (and its unsaved input). Shows nothing otherwise.
 */
export class FsSessionExpiry extends LitElement {
  static override properties = {
    busy: { state: true },
    /** "Stay signed in" could not move the end: the session's absolute limit is near. */
    atLimit: { state: true },
    problem: { state: true },
  };

  declare busy: boolean;
  declare atLimit: boolean;
  declare problem: string;

  private readonly account = new SessionController(this);
  private readonly expiry = new SessionExpiryController(
    this,
    () => this.account.session?.user?.sessionExpiresAt ?? null,
  );
  private knownEnd: string | null = null;
  private readonly onVisibility = () => {
    // Back from signing in on another tab, or from a long sleep: ask what is true now.
    if (document.visibilityState === 'visible' && this.expiry.phase !== 'none')
      void this.account.session?.refresh();
  };

  constructor() {
    super();
    this.busy = false;
    this.atLimit = false;
    this.problem = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  protected override willUpdate(): void {
    const end = this.account.session?.user?.sessionExpiresAt ?? null;
    if (end !== this.knownEnd) {
      this.knownEnd = end;
      this.expiry.check();
    }
  }

  private async stay(): Promise<void> {
    const session = this.account.session;
    if (!session || this.busy) return;
    this.busy = true;
    const outcome = await session.refresh();
    this.busy = false;
    this.problem = outcome.kind === 'ok' ? '' : outcome.message;
    const end = session.user?.sessionExpiresAt;
    this.atLimit = !!end && Date.parse(end) - Date.now() <= WARN_BEFORE_MS;
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }
      .banner {
        margin: 0.5rem 1rem;
      }
      p {
        margin: 0 0 0.5rem;
      }
    `,
  ];

  override render() {
    const { phase, remainingMs } = this.expiry;
    const problem = this.problem ? html`<p>${this.problem}</p>` : nothing;
    if (phase === 'soon')
      return html`<div class="banner" role="alert">
        ${
          this.atLimit
            ? html`<p>
                Your session reaches its limit in ${minutes(remainingMs)}: save what you are doing, then sign
                in again.
              </p>`
            : html`<p>
                  Your session ends in ${minutes(remainingMs)} unless you go on. Anything not yet saved on
                  this screen would have to be saved again after signing in.
                </p>
                ${problem}
                <div class="actions">
                  <button class="primary" @click=${this.stay} ?disabled=${this.busy}>Stay signed in</button>
                </div>`
        }
      </div>`;
    if (phase === 'ended')
      return html`<div class="banner error" role="alert">
        <p>
          Your session has ended. What you typed on this screen is still here:
          <a href="/signin" target="_blank">sign in again in a new tab</a>, then come back and save it.
        </p>
      </div>`;
    return nothing;
  }
}

customElements.define('fs-session-expiry', FsSessionExpiry);

declare global {
  interface HTMLElementTagNameMap {
    'fs-session-expiry': FsSessionExpiry;
  }
}
