import { LitElement, css, html, nothing } from 'lit';
import { DEFAULT_ACCURACY_THRESHOLD_M, type FieldDef } from '../../shared/forms.js';
import type { GeoPoint } from '../../shared/submission.js';
import { isRequired } from '../../shared/validate.js';
import { GeoWatchController, type GeoFailure } from '../geo/geo-watch-controller.js';
import { controlStyles } from '../styles/controls.js';
import type { AnswerChangeDetail } from './fs-field.js';
import { clockTime } from '../time-words.js';

const FAILURE_TEXT: Record<GeoFailure, string> = {
  denied:
    "Location permission is denied. Allow location for this site in the browser's settings (the icon by the address), then try again.",
  unavailable: 'Your location could not be found. Check that location (GPS) is turned on, then try again.',
  timeout: 'Finding your location took too long. Move into the open if you can, then try again.',
  unsupported: 'This browser cannot tell where you are.',
};

function metres(m: number): string {
  return `±${Math.round(m)} m`;
}

/**
 * A geopoint question. "Record location" watches the GPS and shows the
 * accuracy as it improves; a fix within the question's accuracy threshold is
 * taken at once, a worse one only if the user chooses it. The `busy`
 * attribute is present while the GPS is being watched.
 *
 * @fires answer-change - AnswerChangeDetail with the GeoPoint, or undefined when cleared.
 * @fires location-fix - `{ point: GeoPoint }` for every position the GPS delivers, so
 *   other questions (photos) can use where the device is.
 */
export class FsLocationField extends LitElement {
  static override properties = {
    field: { attribute: false },
    value: { attribute: false },
    message: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    settled: { state: true },
  };

  declare field: FieldDef | null;
  declare value: GeoPoint | undefined;
  declare message: string | null;
  declare disabled: boolean;
  /** The user answered "Keep waiting" to the question about a poor fix. */
  declare private settled: boolean;

  /** Exposes the watch, whose `latest` is the device's newest position. */
  readonly geo: GeoWatchController;

  constructor() {
    super();
    this.field = null;
    this.value = undefined;
    this.message = null;
    this.disabled = false;
    this.settled = false;
    this.geo = new GeoWatchController(this, { onFix: (p) => this.onFix(p) });
  }

  protected override updated(): void {
    // Tells the form that an answer may still arrive.
    this.toggleAttribute('busy', this.geo.watching);
  }

  private get threshold(): number {
    return this.field?.accuracyThreshold ?? DEFAULT_ACCURACY_THRESHOLD_M;
  }

  override focus(options?: FocusOptions): void {
    this.renderRoot.querySelector<HTMLElement>('button')?.focus(options);
  }

  private onFix(point: GeoPoint): void {
    this.dispatchEvent(new CustomEvent('location-fix', { detail: { point }, bubbles: true, composed: true }));
    if (point.accuracy <= this.threshold) this.accept(point);
  }

  private start(): void {
    this.settled = false;
    this.geo.start();
    this.keepFocus();
  }

  private stop(): void {
    this.geo.stop();
    this.keepFocus();
  }

  private keepWaiting(): void {
    this.settled = true;
    this.keepFocus();
  }

  private accept(point: GeoPoint): void {
    this.geo.stop();
    this.value = point;
    this.emit(point);
    this.keepFocus();
  }

  private clear(): void {
    this.value = undefined;
    this.emit(undefined);
    this.keepFocus();
  }

  /** The buttons change under the user's finger: keep focus in the field, if it was here. */
  private keepFocus(): void {
    if (this.matches(':focus-within')) void this.updateComplete.then(() => this.focus());
  }

  private emit(value: GeoPoint | undefined): void {
    if (!this.field) return;
    const detail: AnswerChangeDetail = { name: this.field.name, value, commit: true };
    this.dispatchEvent(new CustomEvent('answer-change', { detail, bubbles: true, composed: true }));
  }

  override render() {
    const f = this.field;
    if (!f) return nothing;
    const ids = [f.hint && 'hint', this.message && 'message'].filter(Boolean).join(' ');
    return html`<fieldset aria-describedby=${ids || nothing} aria-invalid=${this.message ? 'true' : 'false'}>
      <legend>
        ${f.label}${isRequired(f) ? html`<span class="req" aria-hidden="true">*</span>` : nothing}
      </legend>
      ${f.hint ? html`<p id="hint" class="hint">${f.hint}</p>` : nothing}
      <p id="message" class="message" aria-live="polite">${this.message ?? nothing}</p>
      ${this.value ? this.renderPoint(this.value) : nothing}
      <div class="status" role="status">${this.renderStatus()}</div>
      <div class="actions">${this.renderActions()}</div>
    </fieldset>`;
  }

  private renderPoint(p: GeoPoint) {
    const time = clockTime(p.time);
    return html`<p class="point">
      <span class="coords">${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}</span>
      <span>${metres(p.accuracy)}</span>
      <span>at <time datetime=${p.time}>${time}</time></span>
    </p>`;
  }

  private renderStatus() {
    const geo = this.geo;
    if (geo.failure) return html`<p class="problem">${FAILURE_TEXT[geo.failure]}</p>`;
    if (!geo.watching) return nothing;
    const fix = geo.latest;
    if (!fix) return html`<p>Finding your location…</p>`;
    if (!this.settled) {
      return html`<p class="question">
        Accuracy ${metres(fix.accuracy)} is worse than ${this.threshold} m. Wait for a better fix or use this
        one.
      </p>`;
    }
    return html`<p>Waiting for a better fix: now ${metres(fix.accuracy)}.</p>`;
  }

  private renderActions() {
    const geo = this.geo;
    const off = this.disabled;
    if (geo.watching) {
      const fix = geo.latest;
      return html`${
        fix
          ? html`<button type="button" class="primary" ?disabled=${off} @click=${() => this.accept(fix)}>
              Use this location
            </button>`
          : nothing
      }
      ${
        fix && !this.settled
          ? html`<button type="button" ?disabled=${off} @click=${this.keepWaiting}>Keep waiting</button>`
          : html`<button type="button" ?disabled=${off} @click=${this.stop}>Cancel</button>`
      }`;
    }
    if (geo.failure) {
      return html`<button type="button" class="primary" ?disabled=${off} @click=${this.start}>
          Try again
        </button>
        ${
          this.value
            ? html`<button type="button" class="danger" ?disabled=${off} @click=${this.clear}>Clear</button>`
            : nothing
        }`;
    }
    if (this.value) {
      return html`<button type="button" ?disabled=${off} @click=${this.start}>Record again</button>
        <button type="button" class="danger" ?disabled=${off} @click=${this.clear}>Clear</button>`;
    }
    return html`<button type="button" class="primary" ?disabled=${off} @click=${this.start}>
      Record location
    </button>`;
  }

  static override styles = [
    controlStyles,
    css`
      .point {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        margin: 0 0 0.25rem;
        padding: 0.5rem 0.75rem;
        border: 2px solid var(--_border);
        border-radius: 0.35rem;
        background: var(--_surface);
      }
      .coords {
        font-weight: 700;
        font-variant-numeric: tabular-nums;
      }
      .status p {
        margin: 0.25rem 0;
      }
      .question,
      .problem {
        font-weight: 600;
      }
      .problem {
        color: var(--_danger);
      }
    `,
  ];
}

customElements.define('fs-location-field', FsLocationField);

declare global {
  interface HTMLElementTagNameMap {
    'fs-location-field': FsLocationField;
  }
}
