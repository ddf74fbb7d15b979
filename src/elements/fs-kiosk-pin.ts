import { LitElement, css, html } from 'lit';
import { defaultStores, type Stores } from '../core/stores.js';
import { checkPin, FREE_PIN_TRIES } from '../kiosk/kiosk-settings.js';
import { controlStyles } from '../styles/controls.js';

function inWords(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 90 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`;
}

/**
 * Asks for the kiosk PIN before something only staff may do (leaving kiosk
 * mode, changing its settings). Wrong PINs are counted on the device: after
 * a few, each try waits longer.
 *
 * @fires pin-right - the PIN was right.
 * @fires pin-cancel - the person gave up.
 */
export class FsKioskPin extends LitElement {
  static override properties = {
    stores: { attribute: false },
    action: {},
    problem: { state: true },
    checking: { state: true },
  };

  declare stores: Stores;
  /** What the PIN unlocks, as the button says it: "Exit kiosk mode". */
  declare action: string;
  declare problem: string;
  declare checking: boolean;

  constructor() {
    super();
    this.stores = defaultStores;
    this.action = 'Continue';
    this.problem = '';
    this.checking = false;
  }

  private get input(): HTMLInputElement | null {
    return this.renderRoot.querySelector('input');
  }

  /** Empties the field and the message, and puts the cursor in the field. */
  async reset(): Promise<void> {
    this.problem = '';
    await this.updateComplete;
    if (this.input) this.input.value = '';
    this.input?.focus();
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const input = this.input;
    if (!input || this.checking) return;
    const pin = input.value;
    if (pin === '') {
      this.problem = 'Enter the kiosk PIN.';
      input.focus();
      return;
    }
    this.checking = true;
    try {
      const outcome = await checkPin(pin, this.stores);
      input.value = '';
      if (outcome.kind === 'right') {
        this.problem = '';
        this.dispatchEvent(new CustomEvent('pin-right', { bubbles: true, composed: true }));
        return;
      }
      if (outcome.kind === 'locked') {
        this.problem = `Too many wrong PINs. Try again in ${inWords(outcome.waitMs)}.`;
      } else if (outcome.waitMs > 0) {
        this.problem = `Wrong PIN. Too many wrong PINs: try again in ${inWords(outcome.waitMs)}.`;
      } else {
        const left = outcome.triesLeft;
        this.problem = `Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left before a wait (of ${FREE_PIN_TRIES}).`;
      }
      input.focus();
    } finally {
      this.checking = false;
    }
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        --_target: 48px;
      }
      input {
        max-width: 14rem;
        font-size: 1.4rem;
        letter-spacing: 0.2em;
      }
      .actions {
        margin-top: 1rem;
      }
    `,
  ];

  override render() {
    return html`<form novalidate @submit=${this.submit}>
      <label class="label" for="pin">Kiosk PIN</label>
      <input
        id="pin"
        type="password"
        inputmode="numeric"
        autocomplete="off"
        maxlength="12"
        aria-describedby="pin-problem"
        aria-invalid=${this.problem ? 'true' : 'false'}
      />
      <p id="pin-problem" class="message" role="alert">${this.problem}</p>
      <div class="actions">
        <button type="submit" class="primary" ?disabled=${this.checking}>${this.action}</button>
        <button
          type="button"
          @click=${() => this.dispatchEvent(new CustomEvent('pin-cancel', { bubbles: true, composed: true }))}
        >
          Cancel
        </button>
      </div>
    </form>`;
  }
}

customElements.define('fs-kiosk-pin', FsKioskPin);

declare global {
  interface HTMLElementTagNameMap {
    'fs-kiosk-pin': FsKioskPin;
  }
}
