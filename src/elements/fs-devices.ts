import { LitElement, css, html, nothing } from 'lit';
import type { DeviceInfo, Enrollment } from '../../shared/accounts.js';
import type { ReferenceData } from '../../shared/forms.js';
import { createEnrollment, listDevices, revokeDevice, type ApiOutcome } from '../accounts/accounts-api.js';
import { SessionController } from '../accounts/session-controller.js';
import { textField } from '../accounts/text-field.js';
import { chosenForms, formScope, formScopeStyles } from '../accounts/form-scope.js';
import { accountScreenStyles } from '../styles/account-screens.js';
import { controlStyles } from '../styles/controls.js';
import './fs-qr-code.js';

/** A device's state in words, for the list. */
function stateOf(d: DeviceInfo): string {
  const when = (iso: string) => new Date(iso).toLocaleString();
  if (d.revokedAt) return `Revoked ${when(d.revokedAt)}`;
  if (!d.enrolledAt) return `Waiting for its code, until ${when(d.enrollmentExpiresAt)}`;
  const seen = d.lastSeenAt ? `last seen ${when(d.lastSeenAt)}` : 'not seen since';
  return `Enrolled ${when(d.enrolledAt)}, ${seen}${d.appVersion ? `, app ${d.appVersion}` : ''}`;
}

/**
 * The administrator's devices screen, `/devices`: every device (enrolled,
 * waiting for its code, revoked), a new enrollment link, and revoking.
 */
export class FsDevices extends LitElement {
  static override properties = {
    reference: { attribute: false },
    devices: { state: true },
    problem: { state: true },
    signInNeeded: { state: true },
    made: { state: true },
    madeFor: { state: true },
    nameProblem: { state: true },
    limited: { state: true },
    busy: { state: true },
    revoking: { state: true },
  };

  /** The forms this browser holds, to choose a device's forms from. */
  declare reference: ReferenceData | null;
  declare devices: DeviceInfo[] | null;
  declare problem: string;
  declare signInNeeded: boolean;
  /** The enrollment just made, whose link is shown once. */
  declare made: Enrollment | null;
  /** The name of the device the link enrolls. */
  declare madeFor: string;
  declare nameProblem: string;
  /** The new device gets only the forms ticked, rather than every form. */
  declare limited: boolean;
  declare busy: boolean;
  declare revoking: DeviceInfo | null;

  private readonly account = new SessionController(this);

  constructor() {
    super();
    this.reference = null;
    this.devices = null;
    this.problem = '';
    this.signInNeeded = false;
    this.made = null;
    this.madeFor = '';
    this.nameProblem = '';
    this.limited = false;
    this.busy = false;
    this.revoking = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Shows an answer's problem; true when there was none. */
  private settle<T>(outcome: ApiOutcome<T>): outcome is { kind: 'ok'; value: T } {
    if (outcome.kind === 'ok') return true;
    // 403: signed in as a supervisor, or only enrolled as a device.
    this.signInNeeded = this.account.signInNeeded(outcome);
    this.problem = this.signInNeeded
      ? 'Only an administrator manages devices: sign in as one.'
      : outcome.message;
    return false;
  }

  private async load(): Promise<void> {
    const outcome = await listDevices();
    if (this.settle(outcome)) {
      this.devices = outcome.value;
      this.problem = '';
    }
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy) return;
    const root = this.renderRoot;
    const name = root.querySelector<HTMLInputElement>('#name')?.value.trim() ?? '';
    this.nameProblem = name ? '' : 'Name the device, as its users will know it: "Kisumu team phone 3".';
    if (!name) {
      root.querySelector<HTMLElement>('#name')?.focus();
      return;
    }
    const formIds = chosenForms(root, 'form', this.limited);
    const kiosk = root.querySelector<HTMLInputElement>('#kiosk')?.checked ?? false;
    this.busy = true;
    const outcome = await createEnrollment({ name, formIds, kiosk });
    this.busy = false;
    if (!this.settle(outcome)) return;
    this.made = outcome.value;
    this.madeFor = name;
    root.querySelector<HTMLFormElement>('form')?.reset();
    this.limited = false;
    await this.load();
    await this.updateComplete;
    root.querySelector<HTMLElement>('#link')?.focus();
  }

  private async copyLink(): Promise<void> {
    if (this.made) await navigator.clipboard?.writeText(this.made.url).catch(() => undefined);
  }

  private askRevoke(d: DeviceInfo): void {
    this.revoking = d;
    void this.updateComplete.then(() => this.renderRoot.querySelector('dialog')?.showModal());
  }

  private async confirmRevoke(): Promise<void> {
    const d = this.revoking;
    this.closeDialog();
    if (!d) return;
    if (this.settle(await revokeDevice(d.id))) await this.load();
  }

  private closeDialog(): void {
    this.renderRoot.querySelector('dialog')?.close();
    this.revoking = null;
  }

  static override styles = [
    controlStyles,
    accountScreenStyles,
    formScopeStyles,
    css`
      ul.devices {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      ul.devices > li {
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        padding: 0.75rem;
        background: #fff;
      }
      ul.devices h3 {
        margin: 0;
        font-size: 1.05rem;
        overflow-wrap: anywhere;
      }
      .meta {
        margin: 0.25rem 0 0;
        color: var(--_muted);
      }
      #link {
        display: block;
        width: 100%;
        min-height: var(--_target);
        font: inherit;
      }
    `,
  ];

  override render() {
    return html`<h1>Devices</h1>
      <div role="alert">
        ${
          this.problem
            ? html`<p class="banner error">
                ${this.problem} ${this.signInNeeded ? html`<a href="/signin">Sign in</a>` : nothing}
              </p>`
            : nothing
        }
      </div>
      ${this.signInNeeded ? nothing : html`${this.renderNew()} ${this.renderList()}`} ${this.renderDialog()}`;
  }

  private renderNew() {
    return html`<h2>Enroll a device</h2>
      ${
        this.made
          ? html`<div class="banner" role="status">
              <p>
                Scan this code with the device's camera, or open the link on it, once, before
                ${new Date(this.made.expiresAt).toLocaleString()}. It is shown only now: whoever holds it can
                enroll a device until then.
              </p>
              <fs-qr-code
                .value=${this.made.url}
                label="QR code of the enrollment link for ${this.madeFor}"
              ></fs-qr-code>
              <label class="label" for="link">Enrollment link</label>
              <input id="link" readonly .value=${this.made.url} />
              <div class="actions"><button @click=${this.copyLink}>Copy the link</button></div>
            </div>`
          : nothing
      }
      <form @submit=${this.create} novalidate>
        ${textField({
          id: 'name',
          label: 'Name',
          type: 'text',
          autocomplete: 'off',
          hint: 'How the device shows in this list.',
          problem: this.nameProblem,
        })}
        ${formScope({
          name: 'form',
          reference: this.reference,
          limited: this.limited,
          onLimited: (limited) => (this.limited = limited),
        })}
        <label class="choice"><input id="kiosk" type="checkbox" /> Kiosk: a shared tablet</label>
        <div class="actions">
          <button class="primary" type="submit" ?disabled=${this.busy}>
            ${this.busy ? 'Creating…' : 'Create an enrollment link'}
          </button>
        </div>
      </form>`;
  }

  private renderList() {
    const devices = this.devices;
    return html`<h2>All devices</h2>
      ${
        devices === null
          ? html`<p>Loading…</p>`
          : devices.length === 0
            ? html`<p>No devices yet.</p>`
            : html`<ul class="devices" aria-label="Devices">
                ${devices.map(
                  (d) =>
                    html`<li>
                      <h3>${d.name}${d.kiosk ? ' (kiosk)' : ''}</h3>
                      <p class="meta">${stateOf(d)}</p>
                      <p class="meta">
                        ${d.formIds === null ? 'Every form' : `Forms: ${d.formIds.join(', ')}`}
                      </p>
                      ${
                        d.revokedAt
                          ? nothing
                          : html`<div class="actions">
                              <button
                                class="danger"
                                @click=${() => this.askRevoke(d)}
                                aria-label="Revoke ${d.name}"
                              >
                                Revoke
                              </button>
                            </div>`
                      }
                    </li>`,
                )}
              </ul>`
      }`;
  }

  private renderDialog() {
    const d = this.revoking;
    return html`<dialog aria-labelledby="revoke-title" @cancel=${this.closeDialog}>
      ${
        d
          ? html`<h2 id="revoke-title">Revoke ${d.name}?</h2>
              <p>
                From its next request the server refuses it. Nothing it sent is deleted, and what it still
                holds stays on it, to send once it is enrolled again with a new link.
              </p>
              <div class="actions">
                <button class="danger primary" @click=${this.confirmRevoke}>Revoke</button>
                <button @click=${this.closeDialog}>Keep it</button>
              </div>`
          : nothing
      }
    </dialog>`;
  }
}

customElements.define('fs-devices', FsDevices);

declare global {
  interface HTMLElementTagNameMap {
    'fs-devices': FsDevices;
  }
}
