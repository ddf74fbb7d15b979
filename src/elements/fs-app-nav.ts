import { LitElement, css, html, nothing } from 'lit';
import { SessionController } from '../accounts/session-controller.js';
import type { Route } from '../route.js';
import { visuallyHiddenStyles } from '../styles/visually-hidden.js';

/**
 * The app's header: its name and the main navigation, with the count of
 * submissions not yet sent, and the screens the person signed in may use.
 * Its links are the shell's to follow (they are ordinary same-origin links).
 */
export class FsAppNav extends LitElement {
  static override properties = {
    route: { attribute: false },
    pending: { type: Number },
    kiosk: { type: Boolean },
  };

  declare route: Route;
  /** Submissions on this device not yet sent. */
  declare pending: number;
  /** Whether this device has kiosk settings (or was enrolled as a kiosk): a way back to them. */
  declare kiosk: boolean;
  private readonly account = new SessionController(this);

  constructor() {
    super();
    this.route = { name: 'forms' };
    this.pending = 0;
    this.kiosk = false;
  }

  static override styles = [
    visuallyHiddenStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.25rem 1rem;
        padding: 0.25rem 0.75rem;
        background: var(--fs-brand);
        color: #fff;
      }
      .brand {
        font-weight: 700;
        font-size: 1.15rem;
        margin-right: auto;
      }
      nav ul {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        list-style: none;
        margin: 0;
        padding: 0;
      }
      nav a {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        min-height: 44px;
        min-width: 44px;
        padding: 0 0.6rem;
        color: #fff;
        text-decoration: none;
        border-radius: 0.5rem;
        font-weight: 600;
      }
      nav a[aria-current='page'] {
        background: rgb(255 255 255 / 0.2);
      }
      nav a:focus-visible {
        outline: 3px solid #fff;
        outline-offset: -3px;
      }
      .badge {
        min-width: 1.5em;
        padding: 0 0.4em;
        border-radius: 1em;
        background: #fff;
        color: var(--fs-brand);
        font-size: 0.85rem;
        text-align: center;
      }
    `,
  ];

  override render() {
    const r = this.route;
    const session = this.account.session;
    const user = session?.user ?? null;
    const kiosk = this.kiosk || session?.me?.device?.kiosk === true;
    const link = (path: string, label: unknown, current: boolean) =>
      html`<a href=${path} aria-current=${current ? 'page' : 'false'}>${label}</a>`;
    return html`<header>
      <span class="brand">Fieldsync</span>
      <nav aria-label="Main">
        <ul>
          <li>${link('/', 'Forms', r.name === 'forms' || r.name === 'new' || r.name === 'draft')}</li>
          <li>
            ${link(
              '/outbox',
              html`Outbox${
                this.pending
                  ? html`<span class="badge" aria-label="${this.pending} not yet sent">${this.pending}</span>`
                  : nothing
              }`,
              r.name === 'outbox',
            )}
          </li>
          <li>${link('/map', 'Map', r.name === 'map')}</li>
          <li>${link('/diagnostics', 'Diagnostics', r.name === 'diagnostics')}</li>
          ${kiosk ? html`<li>${link('/kiosk/setup', 'Kiosk', r.name === 'kiosk-setup')}</li>` : nothing}
          ${user ? html`<li>${link('/review', 'Review', r.name === 'review')}</li>` : nothing}
          ${
            user?.role === 'admin'
              ? html`<li>${link('/devices', 'Devices', r.name === 'devices')}</li>
                  <li>${link('/users', 'Users', r.name === 'users')}</li>`
              : nothing
          }
          <li>
            ${link(
              '/signin',
              user ? html`<span class="visually-hidden">Signed in as </span>${user.username}` : 'Sign in',
              r.name === 'signin',
            )}
          </li>
        </ul>
      </nav>
    </header>`;
  }
}

customElements.define('fs-app-nav', FsAppNav);

declare global {
  interface HTMLElementTagNameMap {
    'fs-app-nav': FsAppNav;
  }
}
