import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import { formScopeStyles } from '../accounts/form-scope.js';
import { textField } from '../accounts/text-field.js';
import { startableForms } from '../core/form-versions.js';
import { defaultStores, type Stores } from '../core/stores.js';
import {
  DEFAULT_IDLE_SECONDS,
  DEFAULT_WARN_SECONDS,
  getKioskSettings,
  hashPin,
  MAX_IDLE_SECONDS,
  MAX_KIOSK_FORMS,
  MIN_IDLE_SECONDS,
  pinProblem,
  putKioskSettings,
  type KioskSettings,
} from '../kiosk/kiosk-settings.js';
import { askFullScreen } from '../kiosk/full-screen.js';
import { wakeLockSupported } from '../kiosk/wake-lock-controller.js';
import { accountScreenStyles } from '../styles/account-screens.js';
import { controlStyles } from '../styles/controls.js';
import './fs-kiosk-pin.js';

interface Problems {
  forms?: string;
  idle?: string;
  pin?: string;
  repeat?: string;
}

/**
 * Turning this device into a kiosk, or changing how it serves: the forms it
 * offers, how long a pause in input may last, and the PIN staff need to
 * leave kiosk mode. Changing settings once there is a PIN needs that PIN;
 * starting kiosk mode again does not.
 *
 * @fires kiosk-start - the settings are saved with kiosk mode on.
 */
export class FsKioskSetup extends LitElement {
  static override properties = {
    reference: { attribute: false },
    stores: { attribute: false },
    settings: { state: true },
    unlocked: { state: true },
    problems: { state: true },
    busy: { state: true },
  };

  declare reference: ReferenceData | null;
  declare stores: Stores;
  /** The settings stored now; undefined until read, null when there are none. */
  declare private settings: KioskSettings | null | undefined;
  /** The PIN was given: the settings may be changed. */
  declare private unlocked: boolean;
  declare private problems: Problems;
  declare private busy: boolean;

  constructor() {
    super();
    this.reference = null;
    this.stores = defaultStores;
    this.settings = undefined;
    this.unlocked = false;
    this.problems = {};
    this.busy = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('stores')) void getKioskSettings(this.stores).then((s) => (this.settings = s));
  }

  private started(): void {
    this.dispatchEvent(new CustomEvent('kiosk-start', { bubbles: true, composed: true }));
  }

  private async resume(): Promise<void> {
    const settings = this.settings;
    if (!settings) return;
    askFullScreen();
    await putKioskSettings({ ...settings, on: true }, this.stores);
    this.started();
  }

  private async save(e: Event): Promise<void> {
    e.preventDefault();
    const root = this.renderRoot;
    const formIds = [...root.querySelectorAll<HTMLInputElement>('input[name="kiosk-form"]:checked')].map(
      (i) => i.value,
    );
    const idleSeconds = Number(root.querySelector<HTMLInputElement>('#idle')?.value);
    const pin = root.querySelector<HTMLInputElement>('#pin')?.value ?? '';
    const repeat = root.querySelector<HTMLInputElement>('#repeat')?.value ?? '';
    const keepPin = this.settings !== null && this.settings !== undefined && pin === '';
    const problems: Problems = {};
    if (formIds.length === 0) problems.forms = 'Choose at least one form.';
    else if (formIds.length > MAX_KIOSK_FORMS)
      problems.forms = `Choose at most ${MAX_KIOSK_FORMS}: a short list a stranger takes in at a glance.`;
    if (!Number.isInteger(idleSeconds) || idleSeconds < MIN_IDLE_SECONDS || idleSeconds > MAX_IDLE_SECONDS)
      problems.idle = `Give a whole number of seconds from ${MIN_IDLE_SECONDS} to ${MAX_IDLE_SECONDS}.`;
    if (!keepPin) {
      const p = pinProblem(pin);
      if (p) problems.pin = p;
      else if (repeat !== pin) problems.repeat = 'The two PINs differ: type the same PIN twice.';
    }
    this.problems = problems;
    if (Object.keys(problems).length) {
      await this.updateComplete;
      root.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    this.busy = true;
    try {
      askFullScreen();
      const settings: KioskSettings = {
        schema: 1,
        on: true,
        formIds,
        pin: keepPin && this.settings ? this.settings.pin : await hashPin(pin),
        idleSeconds,
        warnSeconds: this.settings?.warnSeconds ?? DEFAULT_WARN_SECONDS,
      };
      await putKioskSettings(settings, this.stores);
      this.settings = settings;
      this.started();
    } finally {
      this.busy = false;
    }
  }

  static override styles = [
    controlStyles,
    accountScreenStyles,
    formScopeStyles,
    css`
      input[type='number'] {
        max-width: 8rem;
        min-height: var(--_target);
        font: inherit;
        padding: 0.5rem 0.6rem;
        border: 2px solid var(--_fg);
        border-radius: 0.35rem;
      }
    `,
  ];

  override render() {
    if (this.settings === undefined) return html`<h1>Kiosk mode</h1>`;
    const wakeNote = wakeLockSupported()
      ? nothing
      : html`<p class="banner" role="note">
          This browser cannot keep the screen on by itself: set the tablet's own screen timeout to "never" for
          kiosk use.
        </p>`;
    if (this.settings && !this.unlocked) return this.renderLocked(this.settings, wakeNote);
    return html`<h1>Kiosk mode</h1>
      <p>
        A shared tablet serves one person after another: each gets a fresh form, nothing of the last person's
        answers can be reached, and staff leave kiosk mode with the PIN.
      </p>
      ${wakeNote}${this.renderForm()}`;
  }

  private renderLocked(settings: KioskSettings, wakeNote: unknown) {
    const titles = settings.formIds.map(
      (id) => startableForms(this.reference).find((f) => f.id === id)?.title ?? id,
    );
    return html`<h1>Kiosk mode</h1>
      <p>
        This device is set up as a kiosk for ${titles.join(', ')}. It asks “Still there?” after
        ${settings.idleSeconds} seconds without input.
      </p>
      ${wakeNote}
      <div class="actions">
        <button type="button" class="primary" @click=${this.resume}>Start kiosk mode</button>
      </div>
      <h2>Change the kiosk's settings</h2>
      <fs-kiosk-pin
        .stores=${this.stores}
        action="Change settings"
        @pin-right=${() => (this.unlocked = true)}
        @pin-cancel=${() => this.renderRoot.querySelector<HTMLElement>('button.primary')?.focus()}
      ></fs-kiosk-pin>`;
  }

  private renderForm() {
    const forms = startableForms(this.reference);
    const chosen = new Set(this.settings?.formIds ?? (forms.length === 1 ? forms.map((f) => f.id) : []));
    const p = this.problems;
    const changing = this.settings !== null;
    return html`<form novalidate @submit=${this.save}>
      <fieldset
        aria-describedby="forms-hint forms-problem"
        aria-invalid=${p.forms ? 'true' : 'false'}
        tabindex="-1"
      >
        <legend>Forms on the kiosk</legend>
        <p class="hint" id="forms-hint">
          One form opens at once; several (at most ${MAX_KIOSK_FORMS}) are offered as a choice.
        </p>
        <p class="message" id="forms-problem">${p.forms ?? ''}</p>
        ${
          forms.length
            ? forms.map(
                (f) =>
                  html`<label class="choice"
                    ><input type="checkbox" name="kiosk-form" value=${f.id} ?checked=${chosen.has(f.id)} />
                    ${f.title}</label
                  >`,
              )
            : html`<p role="alert">No forms on this device yet: connect to the network to download them.</p>`
        }
      </fieldset>
      <div>
        <label class="label" for="idle">Ask “Still there?” after this many seconds without input</label>
        <p class="hint" id="idle-hint">
          Then, after ${this.settings?.warnSeconds ?? DEFAULT_WARN_SECONDS} more seconds, the form starts over
          and what was typed is deleted.
        </p>
        <p class="message" id="idle-problem">${p.idle ?? ''}</p>
        <input
          id="idle"
          type="number"
          inputmode="numeric"
          min=${MIN_IDLE_SECONDS}
          max=${MAX_IDLE_SECONDS}
          .value=${String(this.settings?.idleSeconds ?? DEFAULT_IDLE_SECONDS)}
          aria-describedby="idle-hint idle-problem"
          aria-invalid=${p.idle ? 'true' : 'false'}
        />
      </div>
      ${textField({
        id: 'pin',
        label: changing ? 'New kiosk PIN' : 'Kiosk PIN',
        type: 'password',
        autocomplete: 'new-password',
        hint: changing
          ? '4 to 12 digits. Leave it empty to keep the current PIN.'
          : '4 to 12 digits. Staff need it to leave kiosk mode or change these settings.',
        problem: p.pin,
      })}
      ${textField({
        id: 'repeat',
        label: 'Repeat the PIN',
        type: 'password',
        autocomplete: 'new-password',
        problem: p.repeat,
      })}
      <div class="actions">
        <button type="submit" class="primary" ?disabled=${this.busy}>Save and start kiosk mode</button>
      </div>
    </form>`;
  }
}

customElements.define('fs-kiosk-setup', FsKioskSetup);

declare global {
  interface HTMLElementTagNameMap {
    'fs-kiosk-setup': FsKioskSetup;
  }
}
