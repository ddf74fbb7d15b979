import { LitElement, css, html, nothing } from 'lit';
import { MIN_PASSWORD_LENGTH, type Me, type MyDevice } from '../../shared/accounts.js';
import type { FormDef } from '../../shared/forms.js';
import { createEnrollment, setUpServer } from '../accounts/accounts-api.js';
import { enrollBrowser } from '../accounts/enroll-browser.js';
import { textField } from '../accounts/text-field.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { accountScreenStyles } from '../styles/account-screens.js';
import { controlStyles } from '../styles/controls.js';
import { takeFromFragment } from './fs-enroll.js';

type Field = 'username' | 'password' | 'confirm';

/** The name the set-up page gives this browser when it enrolls it as a device. */
export const THIS_BROWSER = 'This browser';

/**
 * The first start's set-up page, `/setup#token=…`: the link the server
 * printed. Whoever opens it chooses the first administrator's username and
 * password (and is signed in as them); then this browser can become a device
 * too, in one step, to try capturing at once.
 *
 * @fires fs-set-up - the first administrator was created (and is signed in here).
 * @fires fs-enrolled - this browser was enrolled as a device; detail: the MyDevice.
 */
export class FsSetup extends LitElement {
  static override properties = {
    busy: { state: true },
    problems: { state: true },
    problem: { state: true },
    admin: { state: true },
    device: { state: true },
    forms: { state: true },
    deviceProblem: { state: true },
  };

  declare busy: boolean;
  /** What is wrong with each field, in words. */
  declare problems: Partial<Record<Field, string>>;
  /** What went wrong as a whole (the link, the network). */
  declare problem: string;
  /** The administrator once created. */
  declare admin: Me['user'];
  declare device: MyDevice | null;
  declare forms: FormDef[] | null;
  declare deviceProblem: string;
  stores: Stores = defaultStores;
  /** Taken out of the address at once; kept in memory for the tries of this page. */
  private token: string | null = null;
  private started = false;

  constructor() {
    super();
    this.busy = false;
    this.problems = {};
    this.problem = '';
    this.admin = null;
    this.device = null;
    this.forms = null;
    this.deviceProblem = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.started) return;
    this.started = true;
    this.token = takeFromFragment('token');
  }

  private value(field: Field): string {
    return this.renderRoot.querySelector<HTMLInputElement>(`#${field}`)?.value ?? '';
  }

  private check(): Partial<Record<Field, string>> {
    const problems: Partial<Record<Field, string>> = {};
    const username = this.value('username').trim();
    const password = this.value('password');
    if (!username) problems.username = 'Choose a username.';
    if (password.length < MIN_PASSWORD_LENGTH)
      problems.password = `Use at least ${MIN_PASSWORD_LENGTH} characters; a few words make a good password.`;
    else if (this.value('confirm') !== password)
      problems.confirm = 'The two passwords differ: type it again.';
    return problems;
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy || !this.token) return;
    this.problem = '';
    this.problems = this.check();
    const first = (['username', 'password', 'confirm'] as const).find((f) => this.problems[f]);
    if (first) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>(`#${first}`)?.focus();
      return;
    }
    this.busy = true;
    const outcome = await setUpServer({
      token: this.token,
      username: this.value('username').trim(),
      password: this.value('password'),
    });
    this.busy = false;
    if (outcome.kind === 'ok') {
      this.admin = outcome.value.user;
      this.token = null;
      this.dispatchEvent(new CustomEvent('fs-set-up', { bubbles: true, composed: true }));
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('.result')?.focus();
      return;
    }
    if (outcome.kind === 'refused' && outcome.status === 400 && outcome.error?.field) {
      const field = outcome.error.field === 'username' ? 'username' : 'password';
      this.problems = { [field]: outcome.message };
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>(`#${field}`)?.focus();
      return;
    }
    this.problem = outcome.message;
  }

  /** Creates an enrollment as the new administrator and redeems it at once. */
  private async useAsDevice(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.deviceProblem = '';
    const made = await createEnrollment({ name: THIS_BROWSER, formIds: null, kiosk: false });
    if (made.kind !== 'ok') {
      this.busy = false;
      this.deviceProblem = made.message;
      return;
    }
    const { outcome, forms, formsProblem } = await enrollBrowser(made.value.code, this.stores);
    this.busy = false;
    if (outcome.kind !== 'enrolled') {
      this.deviceProblem = outcome.message;
      return;
    }
    this.device = outcome.device;
    this.forms = forms;
    this.deviceProblem = formsProblem ? `The forms could not be downloaded yet: ${formsProblem}` : '';
    this.dispatchEvent(
      new CustomEvent<MyDevice>('fs-enrolled', { detail: outcome.device, bubbles: true, composed: true }),
    );
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.device')?.focus();
  }

  static override styles = [
    controlStyles,
    accountScreenStyles,
    css`
      code {
        overflow-wrap: anywhere;
      }
      ol,
      ul {
        padding-left: 1.25rem;
      }
      li + li {
        margin-top: 0.4rem;
      }
    `,
  ];

  override render() {
    if (this.admin) return this.renderDone(this.admin.username);
    if (!this.token)
      return html`<h1>Set up Fieldsync</h1>
        <p class="banner" role="alert">
          This address has no set-up token. Open the whole link the server printed when it started (it works
          once, for an hour), or print a new one with <code>npm run admin -- setup-link</code>.
        </p>`;
    return html`<h1>Set up Fieldsync</h1>
      <p>Choose the first administrator: they sign in to manage devices, supervisors and forms.</p>
      <form @submit=${this.submit} novalidate>
        ${this.renderField('username', 'Username', 'text', 'username', 'Letters, digits, dots, hyphens or @.')}
        ${this.renderField(
          'password',
          'Password',
          'password',
          'new-password',
          `At least ${MIN_PASSWORD_LENGTH} characters.`,
        )}
        ${this.renderField('confirm', 'Password again', 'password', 'new-password', '')}
        <div role="alert">${this.problem ? html`<p class="banner error">${this.problem}</p>` : nothing}</div>
        <div class="actions">
          <button class="primary" type="submit" ?disabled=${this.busy}>
            ${this.busy ? 'Creating…' : 'Create the administrator'}
          </button>
        </div>
      </form>`;
  }

  private renderField(
    id: Field,
    label: string,
    type: 'text' | 'password',
    autocomplete: string,
    hint: string,
  ) {
    return textField({ id, label, type, autocomplete, hint, problem: this.problems[id] });
  }

  private renderDone(username: string) {
    return html`<h1>Set up Fieldsync</h1>
      <p class="result" tabindex="-1" role="status">
        The administrator <strong>${username}</strong> is created, and signed in on this browser.
      </p>
      <h2>Try it on this browser</h2>
      ${
        this.device
          ? html`<div class="device" tabindex="-1" role="status">
              <p>This browser is enrolled as the device <strong>${this.device.name}</strong>.</p>
              ${
                this.forms?.length
                  ? html`<p>Its forms:</p>
                      <ul aria-label="Forms of this device">
                        ${this.forms.map((f) => html`<li>${f.title}</li>`)}
                      </ul>`
                  : nothing
              }
            </div>`
          : html`<p>
                To capture here, as a field worker's phone would, make this browser a device too. Revoke it
                later with <code>npm run admin -- revoke-device</code>.
              </p>
              <div class="actions">
                <button class="primary" @click=${this.useAsDevice} ?disabled=${this.busy}>
                  ${this.busy ? 'Enrolling…' : 'Use this browser as a device'}
                </button>
              </div>`
      }
      <div role="alert">
        ${this.deviceProblem ? html`<p class="banner error">${this.deviceProblem}</p>` : nothing}
      </div>
      <h2>Next steps</h2>
      <ol>
        ${
          this.device
            ? html`<li>
                <a href="/">Open the forms</a>, fill one in and save: the <a href="/outbox">Outbox</a> shows
                when the server has it.
              </li>`
            : nothing
        }
        <li>
          Enroll each phone or tablet on the <a href="/devices">Devices</a> screen (or with
          <code>npm run admin -- create-enrollment --name "Team phone 1"</code>): a link that works once, for
          24 hours. Open it on the device, or show it as a QR code for its camera.
        </li>
        <li>
          Add supervisors: <code>npm run admin -- create-user --username amina --role supervisor</code>.
        </li>
        <li>Off this machine, phones need HTTPS: set <code>TLS_CERT</code> and <code>TLS_KEY</code>.</li>
      </ol>`;
  }
}

customElements.define('fs-setup', FsSetup);

declare global {
  interface HTMLElementTagNameMap {
    'fs-setup': FsSetup;
  }
}
