import { LitElement, css, html, nothing } from 'lit';
import type { MyDevice } from '../../shared/accounts.js';
import type { FormDef } from '../../shared/forms.js';
import { enrollBrowser } from '../accounts/enroll-browser.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { accountScreenStyles } from '../styles/account-screens.js';
import { controlStyles } from '../styles/controls.js';

/** Reads and removes one value of the address's fragment (#code=…), so it stays out of history and screenshots. */
export function takeFromFragment(name: string): string | null {
  const value = new URLSearchParams(location.hash.slice(1)).get(name);
  if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  return value || null;
}

type State =
  | { step: 'no-code' }
  | { step: 'enrolling' }
  | { step: 'enrolled'; device: MyDevice; forms: FormDef[] | null; formsProblem: string | null }
  /** retry: the same code may still work (no network, a server error, too many tries). */
  | { step: 'problem'; message: string; retry: boolean };

/**
 * The enrollment page, `/enroll#code=…`: the link (or QR code) an
 * administrator made for this device. The code is taken out of the address
 * at once, sent to the server, and the page shows which device this is and
 * which forms it may use.
 *
 * @fires fs-enrolled - this browser was enrolled; detail: the MyDevice. The app sends what waits.
 */
export class FsEnroll extends LitElement {
  static override properties = {
    state: { state: true },
  };

  declare state: State;
  stores: Stores = defaultStores;
  /** Kept in memory only, for "Try again": the address no longer holds it. */
  private code: string | null = null;
  private started = false;

  constructor() {
    super();
    this.state = { step: 'enrolling' };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.started) return;
    this.started = true;
    this.code = takeFromFragment('code');
    void this.start();
  }

  private async start(): Promise<void> {
    const code = this.code;
    if (!code) {
      this.state = { step: 'no-code' };
      return;
    }
    if (!navigator.onLine) {
      this.state = {
        step: 'problem',
        message: 'This device has no network: connect to the network to enroll, then press “Try again”.',
        retry: true,
      };
      return;
    }
    this.state = { step: 'enrolling' };
    const { outcome, forms, formsProblem } = await enrollBrowser(code, this.stores);
    switch (outcome.kind) {
      case 'enrolled':
        this.code = null;
        this.state = { step: 'enrolled', device: outcome.device, forms, formsProblem };
        this.dispatchEvent(
          new CustomEvent<MyDevice>('fs-enrolled', { detail: outcome.device, bubbles: true, composed: true }),
        );
        break;
      case 'refused':
        this.state = { step: 'problem', message: outcome.message, retry: outcome.reason === 'rate-limited' };
        break;
      case 'offline':
      case 'failed':
        this.state = { step: 'problem', message: outcome.message, retry: true };
        break;
    }
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.result')?.focus();
  }

  static override styles = [
    controlStyles,
    accountScreenStyles,
    css`
      ul {
        margin: 0.25rem 0 0.75rem;
        padding-left: 1.25rem;
      }
    `,
  ];

  override render() {
    return html`<h1>Enroll this device</h1>
      <div role="status" aria-live="polite">${this.renderState()}</div>`;
  }

  private renderState() {
    const s = this.state;
    switch (s.step) {
      case 'no-code':
        return html`<p class="banner result" tabindex="-1">
          This address has no enrollment code. Open the whole link your supervisor sent, or scan their QR code
          with this device's camera.
        </p>`;
      case 'enrolling':
        return html`<p>Enrolling this device…</p>`;
      case 'problem':
        return html`<p class="banner error result" tabindex="-1">${s.message}</p>
          ${
            s.retry
              ? html`<div class="actions">
                  <button class="primary" @click=${() => this.start()}>Try again</button>
                </div>`
              : nothing
          }`;
      case 'enrolled':
        return this.renderEnrolled(s.device, s.forms, s.formsProblem);
    }
  }

  private renderEnrolled(device: MyDevice, forms: FormDef[] | null, formsProblem: string | null) {
    return html`<p class="result" tabindex="-1">
        This device is enrolled as <strong>${device.name}</strong>${device.kiosk ? ' (kiosk)' : ''}.
      </p>
      ${
        forms === null
          ? html`<p class="banner">
              It may use ${device.formIds === null ? 'every form' : `${device.formIds.length} forms`}, but
              they could not be downloaded yet (${formsProblem}). They are downloaded when the network is
              back.
            </p>`
          : forms.length === 0
            ? html`<p>There are no forms for it on the server yet.</p>`
            : html`<p>${device.formIds === null ? 'It may use every form:' : 'It may use these forms:'}</p>
                <ul aria-label="Forms of this device">
                  ${forms.map((f) => html`<li>${f.title}</li>`)}
                </ul>`
      }
      <p>Anything saved on this device before is being sent now.</p>
      <div class="actions">
        ${
          device.kiosk
            ? html`<a class="button primary" href="/kiosk/setup">Set up kiosk mode</a>`
            : html`<a class="button primary" href="/">Go to the forms</a>`
        }
        <a class="button" href="/outbox">Open the outbox</a>
      </div>`;
  }
}

customElements.define('fs-enroll', FsEnroll);

declare global {
  interface HTMLElementTagNameMap {
    'fs-enroll': FsEnroll;
  }
}
