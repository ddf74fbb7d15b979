import '@lit-labs/virtualizer';
import type { RangeChangedEvent } from '@lit-labs/virtualizer/events.js';
import { LitElement, css, html, nothing } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import type { DeviceOutbox } from '../../shared/live.js';
import type { ReviewEvent, ReviewItem, ReviewState } from '../../shared/review.js';
import { whoAmI } from '../accounts/accounts-api.js';
import { SessionController } from '../accounts/session-controller.js';
import { LiveController, type LiveStatus } from '../review/live-controller.js';
import { deviceOutboxes, listForReview, type ReviewFilter } from '../review/review-api.js';
import { reviewRow, reviewRowStyles, type RowActions } from '../review/review-row.js';
import { controlStyles } from '../styles/controls.js';
import { reviewStateStyles } from '../styles/review-states.js';
import { statusStyles } from '../styles/status.js';
import type { FsReviewDetail } from './fs-review-detail.js';
import type { FsReviewMap } from './fs-review-map.js';
import './fs-field-outboxes.js';
import './fs-review-bulk.js';
import './fs-review-exports.js';
import './fs-review-detail.js';
import './fs-review-filters.js';
import './fs-review-map.js';

const LIVE_WORDS: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live: new submissions and reviews appear as they happen.',
  stale: 'Reconnecting… what you see may be out of date; it catches up once back.',
  ended: 'Your session has ended: sign in again to see changes live.',
};

/** Rows still below the last one shown when the next page is asked for. */
const PREFETCH_ROWS = 30;

/**
 * The supervisor's review screen, `/review`: the submissions of their forms,
 * filtered on the server and paged from a cursor into a virtualised list
 * (only the rows in view are in the DOM, however many are loaded), and the
 * one chosen, in full, to review. It stays live: new submissions of the
 * filter, other reviewers' changes and devices' outbox reports arrive on
 * the live stream (LiveController) without a reload.
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
    outboxes: { state: true },
    arrived: { state: true },
    picked: { state: true },
    view: { state: true },
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
  /** Each device's latest outbox report. */
  declare outboxes: DeviceOutbox[];
  /** Ids that arrived live since the filter was set: marked "New". */
  declare arrived: ReadonlySet<string>;
  /** Ids of the rows selected for a bulk review. */
  declare picked: ReadonlySet<string>;
  /** The filtered set as a list, or on a map. */
  declare view: 'list' | 'map';

  private readonly account = new SessionController(this);
  private readonly live = new LiveController(
    this,
    {
      started: () => {
        void this.load(true);
        void this.loadOutboxes();
      },
      submission: (item) => this.onArrival(item),
      review: (event) => this.onReviewed(event),
      outbox: (report) => {
        this.outboxes = [...this.outboxes.filter((d) => d.deviceId !== report.deviceId), report];
      },
      reset: () => {
        void this.load(true);
        void this.mapView()?.reload();
        void this.loadOutboxes();
      },
    },
    async () => {
      const me = await (this.account.session?.refresh() ?? whoAmI());
      return me.kind !== 'ok' || me.value.user !== null;
    },
  );
  /** Each load's number: an answer to an older filter is dropped. */
  private generation = 0;

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
    this.outboxes = [];
    this.arrived = new Set();
    this.picked = new Set();
    this.view = 'list';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('review-changed', this.onReviewChanged as EventListener);
    this.addEventListener('review-select', this.onSelect as EventListener);
    // The table loads once the stream is open, so nothing arriving in between is missed.
    this.live.follow(this.filter);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('review-changed', this.onReviewChanged as EventListener);
    this.removeEventListener('review-select', this.onSelect as EventListener);
  }

  private async loadOutboxes(): Promise<void> {
    const outcome = await deviceOutboxes();
    if (outcome.kind === 'ok') this.outboxes = outcome.value.devices;
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
    this.arrived = new Set();
    this.picked = new Set();
    // Loading from now: the table is asked for once the new stream is open.
    this.loading = true;
    this.live.follow(this.filter);
  }

  /** A submission of the filter arrived: in its place by the order shown, unless beyond what is loaded. */
  private onArrival(item: ReviewItem): void {
    const id = item.submission.id;
    if (this.items.some((i) => i.submission.id === id)) return;
    let at = 0;
    if (this.filter.sort === 'captured') {
      const t = Date.parse(item.submission.createdAt);
      at = this.items.findIndex((i) => Date.parse(i.submission.createdAt) <= t);
      // Older than every row loaded: it comes with the next page, if there is one.
      if (at < 0 && this.nextCursor !== null) return;
      if (at < 0) at = this.items.length;
    }
    this.items = [...this.items.slice(0, at), item, ...this.items.slice(at)];
    this.arrived = new Set([...this.arrived, id]);
    this.mapView()?.arrived(item);
    if (item.submission.correctionOf && item.submission.correctionOf === this.selected?.submission.id)
      void this.detail()?.refresh();
  }

  /** Another reviewer's change (or this one's, heard back): the row's state, and the history if shown. */
  private onReviewed(event: ReviewEvent): void {
    if (event.to) {
      this.setState(event.submissionId, event.to);
      this.mapView()?.reviewed(event.submissionId, event.to);
    }
    if (this.selected?.submission.id === event.submissionId) void this.detail()?.refresh();
  }

  private mapView(): FsReviewMap | null {
    return this.renderRoot.querySelector('fs-review-map');
  }

  private detail(): FsReviewDetail | null {
    return this.renderRoot.querySelector('fs-review-detail');
  }

  private setState(id: string, state: ReviewState): void {
    this.items = this.items.map((i) =>
      i.submission.id === id && i.reviewState !== state ? { ...i, reviewState: state } : i,
    );
    if (this.selected?.submission.id === id && this.selected.reviewState !== state)
      this.selected = { ...this.selected, reviewState: state };
  }

  private onRange(e: RangeChangedEvent): void {
    if (e.last >= this.items.length - PREFETCH_ROWS) void this.load(false);
  }

  private readonly onSelect = (e: CustomEvent<ReviewItem>) => {
    this.selected = e.detail;
  };

  private readonly onReviewChanged = (e: CustomEvent<{ id: string; state: ReviewState }>) =>
    this.setState(e.detail.id, e.detail.state);

  static override styles = [
    controlStyles,
    statusStyles,
    reviewStateStyles,
    reviewRowStyles,
    css`
      h1 {
        font-size: 1.5rem;
        margin: 0 0 0.75rem;
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
      lit-virtualizer {
        height: min(70vh, 48rem);
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        background: #fff;
      }
      .count {
        margin: 0 0 0.5rem;
      }
      .views {
        display: flex;
        gap: 0.25rem;
        margin-bottom: 0.5rem;
      }
      .views button[aria-pressed='true'] {
        background: var(--_brand);
        color: #fff;
      }
      .live {
        margin: 0 0 0.5rem;
        color: var(--_muted);
      }
      .live.stale,
      .live.ended {
        color: #8a3b00;
        font-weight: 600;
      }
    `,
  ];

  override render() {
    return html`<h1>Review</h1>
      <fs-review-filters
        .reference=${this.reference}
        .filter=${this.filter}
        @filter-change=${(e: CustomEvent<Partial<ReviewFilter>>) => this.setFilter(e.detail)}
      ></fs-review-filters>
      <p class="live ${this.live.status}" role="status">
        ${LIVE_WORDS[this.live.status]}
        ${this.live.status === 'ended' ? html`<a href="/signin">Sign in</a>` : nothing}
      </p>
      <fs-field-outboxes .devices=${this.outboxes}></fs-field-outboxes>
      <fs-review-exports .filter=${this.filter}></fs-review-exports>
      <fs-review-bulk
        .filter=${this.filter}
        .selected=${[...this.picked]}
        @selection-clear=${() => (this.picked = new Set())}
        @bulk-done=${() => (this.picked = new Set())}
      ></fs-review-bulk>
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
          <div class="views" role="group" aria-label="Show the submissions as">
            <button aria-pressed=${this.view === 'list'} @click=${() => (this.view = 'list')}>List</button>
            <button aria-pressed=${this.view === 'map'} @click=${() => (this.view = 'map')}>Map</button>
          </div>
          ${
            this.view === 'map'
              ? html`<fs-review-map
                  .filter=${this.filter}
                  .outboxes=${this.outboxes}
                  .reference=${this.reference}
                ></fs-review-map>`
              : html`<p class="count" role="status">
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
                  ></lit-virtualizer>`
          }
        </section>
        <section aria-label="The submission chosen">
          <fs-review-detail .item=${this.selected} .reference=${this.reference}></fs-review-detail>
        </section>
      </div>`;
  }

  private renderRow(i: ReviewItem) {
    const id = i.submission.id;
    return reviewRow(
      i,
      this.reference,
      {
        current: this.selected?.submission.id === id,
        selected: this.picked.has(id),
        fresh: this.arrived.has(id),
      },
      this.rowActions,
    );
  }

  private readonly rowActions: RowActions = {
    open: (item) => (this.selected = item),
    select: (item, selected) => {
      const picked = new Set(this.picked);
      if (selected) picked.add(item.submission.id);
      else picked.delete(item.submission.id);
      this.picked = picked;
    },
  };
}

customElements.define('fs-review', FsReview);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review': FsReview;
  }
}
