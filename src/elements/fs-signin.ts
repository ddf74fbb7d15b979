import { LitElement, html, nothing } from 'lit';
import type { MyUser } from '../../shared/accounts.js';
import { signIn, signOut, signOutEverywhere, whoAmI } from '../accounts/accounts-api.js';
import { ROLE_NAME } from '../accounts/role-picker.js';
import { SessionController } from '../accounts/session-controller.js';
import { textField } from '../accounts/text-field.js';
import { accountScreenStyles } from '../styles/account-screens.js';
import { controlStyles } from '../styles/controls.js';

/**
 * Signing in, `/signin`, for administrators and supervisors (field workers'
 * devices are enrolled instead, and never sign in). Shows who is signed in
 * on this browser, and signs out of it or of every browser. Tells the app's
 * session, when there is one, so the navigation follows.
 */
export class FsSignin extends LitElement {
  static override properties = {
    user: { state: true },
    loaded: { state: true },
    busy: { state: true },
    problem: { state: true },
  };

  declare user: MyUser | null;
  declare loaded: boolean;
  declare busy: boolean;
  declare problem: string;

  private readonly account = new SessionController(this);

  constructor() {
    super();
    this.user = null;
    this.loaded = false;
    this.busy = false;
    this.problem = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void whoAmI().then((me) => {
      if (me.kind === 'ok') this.user = me.value.user;
      this.loaded = true;
    });
  }

  private value(id: string): string {
    return this.renderRoot.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '';
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy) return;
    const username = this.value('username').trim();
    const password = this.value('password');
    if (!username || !password) {
      this.problem = 'Type your username and your password.';
      return;
    }
    this.busy = true;
    this.problem = '';
    const outcome = await signIn({ username, password });
    this.busy = false;
    if (outcome.kind !== 'ok') {
      this.problem = outcome.message;
      return;
    }
    this.user = outcome.value.user;
    this.account.session?.update(outcome.value);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.result')?.focus();
  }

  private async leave(everywhere: boolean): Promise<void> {
    this.busy = true;
    const session = this.account.session;
    const outcome = session
      ? await session.signOut(everywhere)
      : everywhere
        ? await signOutEverywhere()
        : await signOut();
    this.busy = false;
    if (outcome.kind !== 'ok') {
      this.problem = outcome.message;
      return;
    }
    this.user = null;
    this.problem = '';
  }

  static override styles = [controlStyles, accountScreenStyles];

  override render() {
    if (!this.loaded)
      return html`<h1>Sign in</h1>
        <p>Loading…</p>`;
    const user = this.user;
    if (user) {
      const ends = new Date(user.sessionExpiresAt).toLocaleString();
      return html`<h1>Signed in</h1>
        <p class="result" tabindex="-1" role="status">
          Signed in as <strong>${user.username}</strong>, ${ROLE_NAME[user.role].toLowerCase()}. Unless you
          use Fieldsync before, your session ends ${ends}.
        </p>
        <div class="actions">
          ${
            user.role === 'admin'
              ? html`<a class="button primary" href="/devices">Devices</a>
                  <a class="button" href="/users">Users</a>`
              : nothing
          }
          <button @click=${() => this.leave(false)} ?disabled=${this.busy}>Sign out</button>
          <button @click=${() => this.leave(true)} ?disabled=${this.busy}>Sign out everywhere</button>
        </div>
        <div role="alert">
          ${this.problem ? html`<p class="banner error">${this.problem}</p>` : nothing}
        </div>`;
    }
    return html`<h1>Sign in</h1>
      <p>
        For administrators and supervisors. Field devices do not sign in: they are enrolled with a QR code.
      </p>
      <form @submit=${this.submit} novalidate>
        ${textField({ id: 'username', label: 'Username', type: 'text', autocomplete: 'username' })}
        ${textField({ id: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}
        <div role="alert">${this.problem ? html`<p class="banner error">${this.problem}</p>` : nothing}</div>
        <div class="actions">
          <button class="primary" type="submit" ?disabled=${this.busy}>
            ${this.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>`;
  }
}

customElements.define('fs-signin', FsSignin);

declare global {
  interface HTMLElementTagNameMap {
    'fs-signin': FsSignin;
  }
}
