import '@lit-labs/virtualizer';
import type { RangeChangedEvent } from '@lit-labs/virtualizer/events.js';
import { LitElement, css, html, nothing } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import {
  REVIEW_SORTS,
  REVIEW_STATE_LABEL,
  REVIEW_STATES,
  type ReviewItem,
  type ReviewSort,
  type ReviewState,
} from '../../shared/review.js';
import { SessionController } from '../accounts/session-controller.js';
import { answerText, formOf, keyFields } from '../review/answer-text.js';
import { listForReview, type ReviewFilter } from '../review/review-api.js';
import { controlStyles } from '../styles/controls.js';
import { reviewStateStyles } from '../styles/review-states.js';
import { statusStyles } from '../styles/status.js';
import './fs-review-detail.js';

const SORT_LABEL: Record<ReviewSort, string> = {
  received: 'Newest received first',
  captured: 'Newest captured first',
};

/** Rows still below the last one shown when the next page is asked for. */
const PREFETCH_ROWS = 30;

/**
 * The supervisor's review screen, `/review`: the submissions of their forms,
 * filtered on the server and paged from a cursor into a virtualised list
 * (only the rows in view are in the DOM, however many are loaded), and the
 * one chosen, in full, to review.
 */
export class FsReview extends LitElement {
  static override properties = {
    reference: { attribute: false },
    filter: { state: true },
    items: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    problem: { state: true },
    signInNeeded: { state: true },
    selected: { state: true },
  };

  /** The forms this browser holds, for titles and labels. */
  declare reference: ReferenceData | null;
  declare filter: ReviewFilter;
  declare items: ReviewItem[];
  declare nextCursor: string | null;
  declare loading: boolean;
  declare problem: string;
  /** Refused as nobody who reviews: the problem says so, with a link to sign in. */
  declare signInNeeded: boolean;
  declare selected: ReviewItem | null;

  private readonly account = new SessionController(this);
  /** Each load's number: an answer to an older filter is dropped. */
  private generation = 0;
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    super();
    this.reference = null;
    this.filter = {};
    this.items = [];
    this.nextCursor = null;
    this.loading = false;
    this.problem = '';
    this.signInNeeded = false;
    this.selected = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('review-changed', this.onReviewChanged as EventListener);
    this.addEventListener('review-select', this.onSelect as EventListener);
    void this.load(true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('review-changed', this.onReviewChanged as EventListener);
    this.removeEventListener('review-select', this.onSelect as EventListener);
    if (this.searchTimer) clearTimeout(this.searchTimer);
  }

  /** Loads the first page of the filter (fresh), or the next page. */
  private async load(fresh: boolean): Promise<void> {
    if (!fresh && (this.loading || this.nextCursor === null)) return;
    const generation = fresh ? ++this.generation : this.generation;
    this.loading = true;
    const outcome = await listForReview(this.filter, fresh ? null : this.nextCursor);
    if (generation !== this.generation) return;
    this.loading = false;
    if (outcome.kind !== 'ok') {
      this.signInNeeded = this.account.signInNeeded(outcome);
      this.problem = this.signInNeeded
        ? 'Only supervisors and administrators review submissions: sign in as one.'
        : outcome.message;
      return;
    }
    this.problem = '';
    this.signInNeeded = false;
    this.items = fresh ? outcome.value.items : [...this.items, ...outcome.value.items];
    this.nextCursor = outcome.value.nextCursor;
  }

  private setFilter(change: Partial<ReviewFilter>): void {
    this.filter = { ...this.filter, ...change };
    this.selected = null;
    void this.load(true);
  }

  private onSearch(e: Event): void {
    const text = (e.target as HTMLInputElement).value;
    if (this.searchTimer) clearTimeout(this.searchTimer);
    // Typing asks once a pause comes, not at every key.
    this.searchTimer = setTimeout(() => this.setFilter({ text }), 300);
  }

  private onRange(e: RangeChangedEvent): void {
    if (e.last >= this.items.length - PREFETCH_ROWS) void this.load(false);
  }

  private readonly onSelect = (e: CustomEvent<ReviewItem>) => {
    this.selected = e.detail;
  };

  private readonly onReviewChanged = (e: CustomEvent<{ id: string; state: ReviewState }>) => {
    const { id, state } = e.detail;
    this.items = this.items.map((i) => (i.submission.id === id ? { ...i, reviewState: state } : i));
    if (this.selected?.submission.id === id) this.selected = { ...this.selected, reviewState: state };
  };

  static override styles = [
    controlStyles,
    statusStyles,
    reviewStateStyles,
    css`
      h1 {
        font-size: 1.5rem;
        margin: 0 0 0.75rem;
      }
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: end;
        margin-bottom: 0.75rem;
      }
      .filters > div {
        display: grid;
        gap: 0.25rem;
        min-width: 11rem;
        max-width: 22rem;
        flex: 1 1 11rem;
      }
      select,
      input {
        height: var(--_target);
        box-sizing: border-box;
        font: inherit;
      }
      .layout {
        display: grid;
        gap: 1rem;
      }
      @media (min-width: 1024px) {
        .layout {
          grid-template-columns: minmax(24rem, 2fr) 3fr;
        }
      }
      /* The virtualiser places rows itself; each spans the list's width. */
      [role='listitem'] {
        width: 100%;
      }
      lit-virtualizer {
        height: min(70vh, 48rem);
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        background: #fff;
      }
      .row {
        display: block;
        width: 100%;
        text-align: start;
        min-height: var(--_target);
        padding: 0.6rem 0.75rem;
        border: 0;
        border-bottom: 1px solid var(--_border);
        background: none;
        font: inherit;
        color: inherit;
        cursor: pointer;
      }
      .row[aria-current='true'] {
        background: #e6f0f1;
        box-shadow: inset 4px 0 0 var(--_brand);
      }
      .row .top {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
        font-weight: 600;
      }
      .row .answers,
      .row .when {
        display: block;
        color: var(--_muted);
        font-size: 0.95rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .count {
        margin: 0 0 0.5rem;
      }
    `,
  ];

  override render() {
    const forms = [...new Map((this.reference?.forms ?? []).map((f) => [f.id, f.title])).entries()];
    const f = this.filter;
    return html`<h1>Review</h1>
      <div class="filters" role="search" aria-label="Filter the submissions">
        <div>
          <label class="label" for="form">Form</label>
          <select
            id="form"
            @change=${(e: Event) => this.setFilter({ formId: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">Every form</option>
            ${forms.map(([id, title]) => html`<option value=${id} ?selected=${f.formId === id}>${title}</option>`)}
          </select>
        </div>
        <div>
          <label class="label" for="state">State</label>
          <select
            id="state"
            @change=${(e: Event) => {
              const v = (e.target as HTMLSelectElement).value;
              this.setFilter({ states: v ? [v as ReviewState] : undefined });
            }}
          >
            <option value="">Every state</option>
            ${REVIEW_STATES.map((s) => html`<option value=${s} ?selected=${f.states?.[0] === s}>${REVIEW_STATE_LABEL[s]}</option>`)}
          </select>
        </div>
        <div>
          <label class="label" for="from">Captured from</label>
          <input
            id="from"
            type="date"
            @change=${(e: Event) => this.setFilter({ capturedFrom: (e.target as HTMLInputElement).value || undefined })}
          />
        </div>
        <div>
          <label class="label" for="until">Captured until</label>
          <input
            id="until"
            type="date"
            @change=${(e: Event) => this.setFilter({ capturedBefore: nextDay((e.target as HTMLInputElement).value) })}
          />
        </div>
        <div>
          <label class="label" for="search">Search answers</label>
          <input id="search" type="search" @input=${this.onSearch} />
        </div>
        <div>
          <label class="label" for="sort">Order</label>
          <select
            id="sort"
            @change=${(e: Event) => this.setFilter({ sort: (e.target as HTMLSelectElement).value as ReviewSort })}
          >
            ${REVIEW_SORTS.map((s) => html`<option value=${s} ?selected=${(f.sort ?? 'received') === s}>${SORT_LABEL[s]}</option>`)}
          </select>
        </div>
      </div>
      <div role="alert">
        ${
          this.problem
            ? html`<p class="banner error">
                ${this.problem} ${this.signInNeeded ? html`<a href="/signin">Sign in</a>` : nothing}
              </p>`
            : nothing
        }
      </div>
      <div class="layout">
        <section aria-label="Submissions">
          <p class="count" role="status">
            ${this.loading && this.items.length === 0 ? 'Loading…' : `${this.items.length}${this.nextCursor ? '+' : ''} submissions`}
          </p>
          <lit-virtualizer
            scroller
            role="list"
            aria-label="Submissions"
            .items=${this.items}
            .keyFunction=${(i: ReviewItem) => i.submission.id}
            .renderItem=${(i: ReviewItem) => this.renderRow(i)}
            @rangeChanged=${this.onRange}
          ></lit-virtualizer>
        </section>
        <section aria-label="The submission chosen">
          <fs-review-detail .item=${this.selected} .reference=${this.reference}></fs-review-detail>
        </section>
      </div>`;
  }

  private renderRow(i: ReviewItem) {
    const s = i.submission;
    const form = formOf(this.reference, s.formId, s.formVersion);
    const answers = keyFields(form)
      .flatMap((field) => {
        const value = s.answers[field.name];
        return value === undefined ? [] : [answerText(field, value, this.reference)];
      })
      .join(' · ');
    const current = this.selected?.submission.id === s.id;
    return html`<div role="listitem">
      <button class="row" aria-current=${current ? 'true' : 'false'} @click=${() => (this.selected = i)}>
        <span class="top">
          <span>${form?.title ?? s.formId}</span>
          <span class="status state-${i.reviewState}">${REVIEW_STATE_LABEL[i.reviewState]}</span>
        </span>
        <span class="answers">${answers}</span>
        <span class="when"
          >${s.sentBy?.deviceName ?? 'Not enrolled'} · captured ${new Date(s.createdAt).toLocaleString()} ·
          ${s.photos.length} photo${s.photos.length === 1 ? '' : 's'}</span
        >
      </button>
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

customElements.define('fs-review', FsReview);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review': FsReview;
  }
}
