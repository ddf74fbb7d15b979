import { LitElement, css, html, nothing } from 'lit';
import { filterParams, type ReviewFilter } from '../review/review-api.js';
import { controlStyles } from '../styles/controls.js';

/**
 * Downloads of exactly what the table's filter shows (docs/api.md,
 * "GET /api/review/export.csv"): CSV and a ZIP with the photos (one form at
 * a time, as their columns are the form's questions), and GeoJSON.
 */
export class FsReviewExports extends LitElement {
  static override properties = { filter: { attribute: false } };

  declare filter: ReviewFilter;

  constructor() {
    super();
    this.filter = {};
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 0.5rem;
      }
      a {
        display: inline-flex;
        align-items: center;
        min-height: var(--_target);
        padding: 0 0.75rem;
        border: 1px solid var(--_border);
        border-radius: 0.4rem;
        color: var(--_brand);
        background: #fff;
        font-weight: 600;
      }
      .hint {
        margin: 0;
      }
    `,
  ];

  override render() {
    const q = filterParams(this.filter).toString();
    const href = (kind: string) => `/api/review/export.${kind}${q ? `?${q}` : ''}`;
    const perForm = Boolean(this.filter.formId);
    return html`<span class="label">Export what is shown</span>
      ${
        perForm
          ? html`<a href=${href('csv')} download>CSV</a> <a href=${href('zip')} download>ZIP with photos</a>`
          : nothing
      }
      <a href=${href('geojson')} download>GeoJSON</a>
      ${perForm ? nothing : html`<p class="hint">Choose a form to export CSV, or a ZIP with the photos.</p>`}`;
  }
}

customElements.define('fs-review-exports', FsReviewExports);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review-exports': FsReviewExports;
  }
}
