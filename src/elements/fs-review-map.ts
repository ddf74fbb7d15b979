import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { usableBaseMap } from '../../shared/base-map.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { DeviceOutbox } from '../../shared/live.js';
import type { ReviewItem, ReviewPoints, ReviewState } from '../../shared/review.js';
import { call } from '../accounts/accounts-api.js';
import type { ReviewMap } from '../map/review-map.js';
import { filterParams, selectReviewItem, type ReviewFilter } from '../review/review-api.js';
import { controlStyles } from '../styles/controls.js';

const number = (n: number): string => n.toLocaleString();

/**
 * The review table's filtered set on a map (GET /api/review/points),
 * coloured by review state, with what devices still hold as dashed ghosts
 * where it was captured. Leaflet loads with the first map shown. A tapped
 * point opens that submission beside the map; the table remains the way
 * through the set by keyboard and screen reader.
 *
 * @fires review-select - a point was tapped; detail: its ReviewItem.
 */
export class FsReviewMap extends LitElement {
  static override properties = {
    filter: { attribute: false },
    outboxes: { attribute: false },
    reference: { attribute: false },
    summary: { state: true },
    problem: { state: true },
  };

  declare filter: ReviewFilter;
  declare outboxes: DeviceOutbox[];
  declare reference: ReferenceData | null;
  declare summary: string;
  declare problem: string;
  private map: ReviewMap | null = null;
  private shown = 0;
  private opening: Promise<void> | null = null;
  /** Each load's number: an answer for an older filter is dropped. */
  private generation = 0;

  constructor() {
    super();
    this.filter = {};
    this.outboxes = [];
    this.reference = null;
    this.summary = 'Loading the map…';
    this.problem = '';
  }

  /** Resolves once the map is drawn for the filter last set. */
  ready: Promise<void> = Promise.resolve();

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.map?.destroy();
    this.map = null;
    this.opening = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.opening) {
      this.opening = this.open();
      this.ready = this.opening;
      return;
    }
    if (changed.has('filter')) this.ready = this.opening.then(() => this.load());
    if (changed.has('outboxes') && this.map) {
      this.map.setGhosts(this.outboxes);
      this.describe();
    }
    if (changed.has('reference')) this.map?.setBaseMap(usableBaseMap(this.reference?.baseMap));
  }

  private async open(): Promise<void> {
    const mod = await import('../map/review-map.js');
    const root = this.shadowRoot;
    const container = root?.querySelector<HTMLElement>('.map');
    if (!root || !container || !this.isConnected) return;
    if (!root.adoptedStyleSheets.includes(mod.leafletSheet))
      root.adoptedStyleSheets = [mod.leafletSheet, ...root.adoptedStyleSheets];
    this.map = new mod.ReviewMap(container, {
      baseMap: usableBaseMap(this.reference?.baseMap),
      onBaseMapState: () => undefined,
      onSelect: (id) => void this.select(id),
    });
    this.map.setGhosts(this.outboxes);
    await this.load();
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    this.summary = 'Loading the map…';
    const outcome = await call<ReviewPoints>(
      'GET',
      `/api/review/points?${filterParams(this.filter).toString()}`,
    );
    if (generation !== this.generation || !this.map) return;
    if (outcome.kind !== 'ok') {
      this.problem = outcome.message;
      return;
    }
    this.problem = '';
    const { points, truncated } = outcome.value;
    this.shown = points.length;
    this.describe(truncated);
    this.map.setPoints(points);
  }

  private describe(truncated = false): void {
    const ghosts = this.outboxes.reduce((n, d) => n + d.items.filter((i) => i.location).length, 0);
    this.summary =
      `${number(this.shown)} on the map${truncated ? ' (the newest; more match the filter)' : ''}` +
      (ghosts ? `; ${number(ghosts)} still on devices, dashed` : '');
  }

  /** Reads the points again (the live stream says too much changed to follow one by one). */
  reload(): Promise<void> {
    if (this.opening) this.ready = this.opening.then(() => this.load());
    return this.ready;
  }

  /** A submission of the filter arrived. */
  arrived(item: ReviewItem): void {
    const at = item.submission.location;
    if (!this.map || !at) return;
    this.map.add([item.submission.id, at.lat, at.lon, item.reviewState]);
    this.shown++;
    this.describe();
  }

  reviewed(id: string, state: ReviewState): void {
    this.map?.setState(id, state);
  }

  /** What the map draws, for tests. */
  drawn(): ReturnType<ReviewMap['drawn']> {
    return this.map?.drawn() ?? { points: [], ghosts: 0 };
  }

  private async select(id: string): Promise<void> {
    const problem = await selectReviewItem(this, id);
    if (problem) this.problem = problem;
  }

  static override styles = [
    controlStyles,
    css`
      .map {
        height: min(70vh, 48rem);
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
      }
      p {
        margin: 0 0 0.5rem;
      }
    `,
  ];

  override render() {
    return html`<p role="status">${this.summary}</p>
      ${this.problem ? html`<p class="message" role="alert">${this.problem}</p>` : nothing}
      <div class="map" role="region" aria-label="Map of the submissions shown"></div>`;
  }
}

customElements.define('fs-review-map', FsReviewMap);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review-map': FsReviewMap;
  }
}
