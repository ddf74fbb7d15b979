import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import type { FormDef, ReferenceData } from '../../shared/forms.js';
import { startableVersion } from '../core/form-versions.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { askFullScreen } from '../kiosk/full-screen.js';
import { IdleController } from '../kiosk/idle-controller.js';
import { THANK_YOU_SECONDS, type KioskSettings } from '../kiosk/kiosk-settings.js';
import { WakeLockController } from '../kiosk/wake-lock-controller.js';
import { controlStyles } from '../styles/controls.js';
import './fs-form-view.js';
import type { FsFormView } from './fs-form-view.js';
import './fs-kiosk-pin.js';
import type { FsKioskPin } from './fs-kiosk-pin.js';
import { grouped } from '../time-words.js';

type Screen = 'start' | 'form' | 'thanks';

/**
 * A shared tablet serving one stranger after another: a fresh form (or a
 * short chooser), a thank-you after Save, then a fresh form again. Nothing
 * of one person's answers stays reachable for the next: the form is a new
 * element each time, kept in memory only, and the tablet shows the outbox
 * only as a count. A pause in input asks "Still there?", then starts over;
 * the screen stays on; leaving needs the kiosk PIN.
 *
 * @fires kiosk-exit - the right PIN was given to leave kiosk mode.
 */
export class FsKiosk extends LitElement {
  static override properties = {
    reference: { attribute: false },
    stores: { attribute: false },
    settings: { attribute: false },
    pending: { type: Number },
    online: { type: Boolean },
    screen: { state: true },
    formId: { state: true },
    person: { state: true },
  };

  declare reference: ReferenceData | null;
  declare stores: Stores;
  declare settings: KioskSettings;
  /** Submissions on the tablet not yet sent. */
  declare pending: number;
  declare online: boolean;
  declare private screen: Screen;
  declare private formId: string | null;
  /** Counts the people served: each gets a new form element. */
  declare private person: number;
  private thanksTimer: ReturnType<typeof setTimeout> | undefined;

  readonly idle = new IdleController(this, {
    armOnInput: () => this.screen === 'form',
    idleMs: () => this.settings.idleSeconds * 1000,
    warnMs: () => this.settings.warnSeconds * 1000,
    onTimeout: () => void this.startOver(true),
  });
  readonly wakeLock = new WakeLockController(this);

  constructor() {
    super();
    this.reference = null;
    this.stores = defaultStores;
    this.pending = 0;
    this.online = true;
    this.screen = 'start';
    this.formId = null;
    this.person = 0;
  }

  /** The forms offered, newest startable version of each, in the order chosen. */
  private get forms(): FormDef[] {
    return this.settings.formIds.flatMap((id) => {
      const form = startableVersion(this.reference, id);
      return form ? [form] : [];
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('click', this.onFirstTouch, { capture: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('click', this.onFirstTouch, { capture: true });
    clearTimeout(this.thanksTimer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // One form: the fresh form is the start screen itself.
    if ((changed.has('reference') || changed.has('settings')) && this.screen === 'start') this.fresh();
  }

  protected override updated(): void {
    const warning = this.renderRoot.querySelector<HTMLDialogElement>('dialog.idle');
    if (warning && this.idle.phase === 'warning' && !warning.open) warning.showModal();
    if (warning && this.idle.phase !== 'warning' && warning.open) warning.close();
  }

  /** Full screen needs a tap: each person's first one asks. */
  private readonly onFirstTouch = (): void => askFullScreen();

  private fresh(): void {
    clearTimeout(this.thanksTimer);
    this.idle.disarm();
    this.person += 1;
    const forms = this.forms;
    if (forms.length === 1 && forms[0]) {
      this.formId = forms[0].id;
      this.screen = 'form';
    } else {
      this.formId = null;
      this.screen = 'start';
    }
  }

  private choose(form: FormDef): void {
    this.formId = form.id;
    this.screen = 'form';
    this.idle.arm();
  }

  private get formView(): FsFormView | null {
    return this.renderRoot.querySelector('fs-form-view');
  }

  /** Whether the form shown keeps what a person who walked away answered. */
  private get savesAbandoned(): boolean {
    return this.formId !== null && startableVersion(this.reference, this.formId)?.whenAbandoned === 'save';
  }

  /**
   * The person left or gave up: what they typed (and its photos) goes, and
   * the next one starts fresh. Walked away (idle) on a form whose
   * whenAbandoned is "save", what they validly answered is saved first, as
   * an unfinished submission.
   */
  async startOver(walkedAway = false): Promise<void> {
    const view = this.formView;
    if (walkedAway && view && this.savesAbandoned) {
      this.savingAbandoned = true;
      try {
        await view.saveUnfinished();
      } catch (e) {
        // Storage full or a photo gone: what cannot be kept goes, as it would have without the setting.
        console.error('The unfinished form could not be saved', e);
      } finally {
        this.savingAbandoned = false;
      }
    }
    await view?.abandon();
    this.fresh();
  }

  /** An unfinished form is being saved: no thank-you for someone who walked away. */
  private savingAbandoned = false;

  private readonly onSaved = (): void => {
    if (this.savingAbandoned) return;
    // The shell hands the submission to the sender; here, the person is thanked and the form goes.
    this.idle.disarm();
    this.formId = null;
    this.screen = 'thanks';
    this.thanksTimer = setTimeout(() => this.fresh(), THANK_YOU_SECONDS * 1000);
  };

  /** The form asks to go elsewhere (after Start over, or from a notice's link): there is nowhere else. */
  private readonly onNavigate = (e: Event): void => {
    e.stopPropagation();
    void this.startOver();
  };

  private get pinDialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog.pin');
  }

  private async askPin(): Promise<void> {
    this.pinDialog?.showModal();
    await this.renderRoot.querySelector<FsKioskPin>('fs-kiosk-pin')?.reset();
  }

  private async onPinRight(): Promise<void> {
    this.pinDialog?.close();
    await this.formView?.abandon();
    this.dispatchEvent(new CustomEvent('kiosk-exit', { bubbles: true, composed: true }));
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        --_target: 48px;
        display: flex;
        flex-direction: column;
        min-height: 100dvh;
        font-size: 1.2rem;
      }
      .screen {
        flex: 1;
        padding: 1rem clamp(1rem, 4vw, 3rem);
      }
      h1 {
        font-size: 2rem;
        margin: 0.5rem 0 1rem;
      }
      .chooser {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 1rem;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr));
      }
      .chooser button {
        width: 100%;
        min-height: 6rem;
        font-size: 1.4rem;
        text-align: left;
        display: block;
      }
      .chooser small {
        display: block;
        font-size: 1rem;
        font-weight: 400;
      }
      .thanks {
        text-align: center;
        padding-top: 15vh;
      }
      .thanks h1 {
        font-size: 2.5rem;
      }
      footer {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        padding: 0.5rem clamp(1rem, 4vw, 3rem);
        border-top: 1px solid var(--_border);
        color: var(--_muted);
      }
      footer p {
        margin: 0;
      }
      dialog {
        max-width: min(34rem, 92vw);
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        padding: 1.25rem 1.5rem;
      }
      dialog.idle {
        text-align: center;
        font-size: 1.4rem;
      }
      dialog.idle button {
        width: 100%;
        min-height: 4rem;
        font-size: 1.4rem;
      }
      dialog h2 {
        margin: 0 0 0.5rem;
      }
    `,
  ];

  override render() {
    return html`<div class="screen">${this.renderScreen()}</div>
      <footer>
        <p role="status">
          ${this.pending === 0 ? 'Everything is sent.' : `${grouped(this.pending)} waiting to send.`}
          ${this.online ? nothing : 'Offline: answers are kept on this tablet and sent later.'}
        </p>
        <button type="button" @click=${this.askPin}>Staff</button>
      </footer>
      <dialog
        class="idle"
        aria-labelledby="idle-title"
        aria-describedby="idle-text"
        @cancel=${this.keepGoing}
      >
        <h2 id="idle-title">Still there?</h2>
        <p id="idle-text">
          Touch to continue. Otherwise this form starts over in
          <strong>${this.idle.secondsLeft}</strong> seconds, and
          ${this.savesAbandoned ? 'what was answered is saved, unfinished.' : 'what was typed is deleted.'}
        </p>
        <button type="button" class="primary" @click=${this.keepGoing}>Continue</button>
      </dialog>
      <dialog class="pin" aria-labelledby="pin-title">
        <h2 id="pin-title">Staff only</h2>
        <fs-kiosk-pin
          .stores=${this.stores}
          action="Exit kiosk mode"
          @pin-right=${this.onPinRight}
          @pin-cancel=${() => this.pinDialog?.close()}
        ></fs-kiosk-pin>
      </dialog>`;
  }

  /** A touch already counts as input; this closes the warning for a keyboard's Enter or Escape too. */
  private readonly keepGoing = (e: Event): void => {
    e.preventDefault();
    this.idle.activity();
  };

  private renderScreen() {
    if (!this.reference) return html`<p>Loading the forms…</p>`;
    const forms = this.forms;
    if (forms.length === 0)
      return html`<h1>Not ready</h1>
        <p role="alert">
          None of this kiosk's forms is on the tablet. Staff: connect to the network to download the forms, or
          change the kiosk's forms.
        </p>`;
    switch (this.screen) {
      case 'thanks':
        return html`<div class="thanks" role="status">
          <h1>Thank you</h1>
          <p>Your answers are saved and will be sent.</p>
          <button type="button" class="primary" @click=${() => this.fresh()}>Start a new form</button>
        </div>`;
      case 'form':
        return keyed(
          this.person,
          html`<fs-form-view
            kiosk
            .reference=${this.reference}
            .stores=${this.stores}
            form-id=${this.formId ?? ''}
            @submission-saved=${this.onSaved}
            @fs-navigate=${this.onNavigate}
          ></fs-form-view>`,
        );
      case 'start':
        return html`<h1>Welcome</h1>
          <p>Choose a form to fill in.</p>
          <ul class="chooser">
            ${forms.map(
              (f) =>
                html`<li>
                  <button type="button" class="primary" @click=${() => this.choose(f)}>
                    ${f.title}${f.description ? html` <small>${f.description}</small>` : nothing}
                  </button>
                </li>`,
            )}
          </ul>`;
    }
  }
}

customElements.define('fs-kiosk', FsKiosk);

declare global {
  interface HTMLElementTagNameMap {
    'fs-kiosk': FsKiosk;
  }
}
