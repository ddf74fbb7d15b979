import { LitElement, css, html, nothing } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import {
  REVIEW_SORTS,
  REVIEW_STATE_LABEL,
  REVIEW_STATES,
  type ReviewDevice,
  type ReviewSort,
  type ReviewState,
} from '../../shared/review.js';
import { reviewDevices, type ReviewFilter } from '../review/review-api.js';
import { controlStyles } from '../styles/controls.js';

const SORT_LABEL: Record<ReviewSort, string> = {
  received: 'Newest received first',
  captured: 'Newest captured first',
};

/** How long typing pauses before the search is asked for. */
const SEARCH_PAUSE_MS = 300;

/**
 * The review table's filters: form, state, capture dates, a search of the
 * answers, and the order.
 *
 * @fires filter-change - a filter changed; detail: the fields that changed (Partial<ReviewFilter>).
 */
export class FsReviewFilters extends LitElement {
  static override properties = {
    reference: { attribute: false },
    filter: { attribute: false },
    devices: { state: true },
  };

  declare reference: ReferenceData | null;
  declare filter: ReviewFilter;
  /** The devices that send the reviewer's forms; empty until the server answers. */
  declare devices: ReviewDevice[];
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    super();
    this.reference = null;
    this.filter = {};
    this.devices = [];
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.searchTimer) clearTimeout(this.searchTimer);
  }

  private change(detail: Partial<ReviewFilter>): void {
    this.dispatchEvent(new CustomEvent('filter-change', { detail }));
  }

  private onSearch(e: Event): void {
    const text = (e.target as HTMLInputElement).value;
    if (this.searchTimer) clearTimeout(this.searchTimer);
    // Typing asks once a pause comes, not at every key.
    this.searchTimer = setTimeout(() => this.change({ text }), SEARCH_PAUSE_MS);
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: end;
        margin-bottom: 0.75rem;
      }
      div {
        display: grid;
        gap: 0.25rem;
        min-width: 11rem;
        max-width: 22rem;
        flex: 1 1 11rem;
      }
      .check label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        min-height: var(--_target);
        font-weight: 700;
      }
      .check input {
        width: 1.25rem;
        height: 1.25rem;
      }
      select,
      input:not([type='checkbox']) {
        height: var(--_target);
        box-sizing: border-box;
        font: inherit;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void reviewDevices().then((o) => {
      if (o.kind === 'ok') this.devices = o.value;
    });
    this.setAttribute('role', 'search');
    this.setAttribute('aria-label', 'Filter the submissions');
  }

  override render() {
    const forms = [...new Map((this.reference?.forms ?? []).map((f) => [f.id, f.title])).entries()];
    const f = this.filter;
    const versions = f.formId
      ? [
          ...new Set((this.reference?.forms ?? []).filter((d) => d.id === f.formId).map((d) => d.version)),
        ].sort((a, b) => b - a)
      : [];
    const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
    return html`<div>
        <label class="label" for="form">Form</label>
        <select
          id="form"
          @change=${(e: Event) => this.change({ formId: value(e) || undefined, formVersion: undefined })}
        >
          <option value="">Every form</option>
          ${forms.map(([id, title]) => html`<option value=${id} ?selected=${f.formId === id}>${title}</option>`)}
        </select>
      </div>
      <div>
        <label class="label" for="state">State</label>
        <select
          id="state"
          @change=${(e: Event) => this.change({ states: value(e) ? [value(e) as ReviewState] : undefined })}
        >
          <option value="">Every state</option>
          ${REVIEW_STATES.map((s) => html`<option value=${s} ?selected=${f.states?.[0] === s}>${REVIEW_STATE_LABEL[s]}</option>`)}
        </select>
      </div>
      ${
        versions.length > 1
          ? html`<div>
              <label class="label" for="version">Version</label>
              <select
                id="version"
                @change=${(e: Event) => this.change({ formVersion: value(e) ? Number(value(e)) : undefined })}
              >
                <option value="">Every version</option>
                ${versions.map((v) => html`<option value=${v} ?selected=${f.formVersion === v}>Version ${v}</option>`)}
              </select>
            </div>`
          : nothing
      }
      <div>
        <label class="label" for="device">Device</label>
        <select id="device" @change=${(e: Event) => this.change({ deviceId: value(e) || undefined })}>
          <option value="">Every device</option>
          ${this.devices.map(
            (d) =>
              html`<option value=${d.id} ?selected=${f.deviceId === d.id}>
                ${d.revoked ? `${d.name} (revoked)` : d.name}
              </option>`,
          )}
        </select>
      </div>
      <div>
        <label class="label" for="from">Captured from</label>
        <input
          id="from"
          type="date"
          @change=${(e: Event) => this.change({ capturedFrom: value(e) || undefined })}
        />
      </div>
      <div>
        <label class="label" for="until">Captured until</label>
        <input
          id="until"
          type="date"
          @change=${(e: Event) => this.change({ capturedBefore: nextDay(value(e)) })}
        />
      </div>
      <div>
        <label class="label" for="search">Search answers</label>
        <input id="search" type="search" @input=${this.onSearch} />
      </div>
      <div class="check">
        <label
          ><input
            type="checkbox"
            .checked=${f.flagged === true}
            @change=${(e: Event) => this.change({ flagged: (e.target as HTMLInputElement).checked || undefined })}
          />
          Only flagged</label
        >
      </div>
      <div>
        <label class="label" for="sort">Order</label>
        <select id="sort" @change=${(e: Event) => this.change({ sort: value(e) as ReviewSort })}>
          ${REVIEW_SORTS.map((s) => html`<option value=${s} ?selected=${(f.sort ?? 'received') === s}>${SORT_LABEL[s]}</option>`)}
        </select>
      </div>`;
  }
}

/** The day after a YYYY-MM-DD day: "until" includes the day chosen. */
function nextDay(day: string): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

customElements.define('fs-review-filters', FsReviewFilters);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review-filters': FsReviewFilters;
  }
}
