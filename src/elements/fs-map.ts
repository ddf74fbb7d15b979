import { ContextConsumer } from '@lit/context';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { usableBaseMap, type BaseMapConfig } from '../../shared/base-map.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { SubmissionStatus } from '../../shared/outbox.js';
import { openCorrection } from '../core/corrections.js';
import {
  OutboxIndex,
  outboxIndexContext,
  type OutboxEntry,
  type OutboxIndexChange,
} from '../core/outbox-index.js';
import { quickPosition } from '../geo/current-position.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { byUrgency, inBounds, summarize, type MapSummary } from '../map/map-entries.js';
import { mapPopup } from '../map/map-popup.js';
import type { MapView } from './fs-offline-areas.js';
import type { BaseMapState, MarkerInfo, PhotoMarkerInfo, SubmissionMap } from '../map/submission-map.js';
import { MARKER_STYLE, PHOTO_STYLE, STATUSES, isPending } from '../map/status-style.js';
import { throttle } from '../throttle.js';
import { nextTask } from '../core/next-task.js';
import { afterNextPaint } from '../after-paint.js';
import { controlStyles } from '../styles/controls.js';
import { STATUS_TEXT, statusStyles } from '../styles/status.js';
import { mapScreenStyles } from '../styles/map-screen.js';
import './fs-enrollment-notice.js';

/** Submissions listed at a time; "Show more" adds as many again. */
const LIST_PAGE = 50;

/** How long the lists wait at most for the map's first drawing. */
const LISTS_WAIT_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Zoom used when the map opens on the device's position. */
const POSITION_ZOOM = 13;

/**
 * The map of the submissions on this device, styled by status, with a legend
 * that filters, and the same submissions as a list for keyboard and
 * screen-reader users. Leaflet is loaded only when this screen opens.
 *
 * @fires send-now - the user asked to send now from a marker's popup.
 * @fires fs-navigate - to open a submission in the outbox, or its correction.
 */
export class FsMap extends LitElement {
  static override properties = {
    reference: { attribute: false },
    items: { state: true },
    hiddenStatuses: { state: true },
    onlyPending: { state: true },
    formFilter: { state: true },
    showPhotos: { state: true },
    baseMapState: { state: true },
    currentView: { state: true },
    actionError: { state: true },
    listLimit: { state: true },
    unlocatedLimit: { state: true },
    error: { state: true },
  };

  declare reference: ReferenceData | null;
  /** Every submission on the device, in no particular order; null while loading. */
  declare items: readonly OutboxEntry[] | null;
  /** Statuses the user unticked. */
  declare hiddenStatuses: ReadonlySet<SubmissionStatus>;
  declare onlyPending: boolean;
  /** The form id shown; '' for every form. */
  declare formFilter: string;
  declare showPhotos: boolean;
  declare baseMapState: BaseMapState;
  /** Where the map is, updated when a move ends. */
  declare currentView: MapView | null;
  /** How many of the listed submissions are rendered: thousands of list items would stall the screen. */
  declare listLimit: number;
  declare unlocatedLimit: number;
  declare error: string;
  /** Why the last popup action failed; the map stays as it is. */
  declare actionError: string;
  stores: Stores = defaultStores;

  private map: SubmissionMap | null = null;
  /** The shell's outbox index; one of this screen's own where there is no shell (a test, say). */
  private readonly indexConsumer = new ContextConsumer(this, { context: outboxIndexContext });
  private index: OutboxIndex | null = null;
  private ownIndex: OutboxIndex | null = null;
  /** Changed ids since the last refresh; null in the set means "all of them". */
  private readonly changed = new Set<string | null>();
  private readonly refresh = throttle(() => this.applyChanges(), 100);
  private readonly onIndexChange = (e: Event) => {
    const { ids } = (e as OutboxIndexChange).detail;
    for (const id of ids ?? [null]) this.changed.add(id);
    this.refresh();
  };
  private resizeObserver: ResizeObserver | null = null;
  /** The form titles the open popup may name. */
  private popupTitles = '';

  constructor() {
    super();
    this.reference = null;
    this.items = null;
    this.hiddenStatuses = new Set();
    this.onlyPending = false;
    this.formFilter = '';
    this.showPhotos = false;
    this.baseMapState = 'none';
    this.currentView = null;
    this.listLimit = LIST_PAGE;
    this.unlocatedLimit = LIST_PAGE;
    this.error = '';
    this.actionError = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A provider answers the context request during super.connectedCallback(), or there is none.
    this.index = this.indexConsumer.value ?? null;
    if (!this.index) this.index = this.ownIndex = new OutboxIndex(this.stores);
    this.index.addEventListener('change', this.onIndexChange);
    void this.open();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.index?.removeEventListener('change', this.onIndexChange);
    this.ownIndex?.stop();
    this.index = this.ownIndex = null;
    this.resizeObserver?.disconnect();
    this.map?.destroy();
    this.map = null;
  }

  /** The markers on the map now: lets tests check what is drawn without reading pixels. */
  get markers(): MarkerInfo[] {
    return this.map?.markers() ?? [];
  }

  /** How many points of each status the map drew last (shown, in or near the view): what the canvas holds. */
  get drawnCounts(): Partial<Record<SubmissionStatus, number>> {
    return this.map?.drawnCounts() ?? {};
  }

  /** Where a submission's point is in the viewport, for a test to tap it; null when not on the map. */
  pointOnScreen(id: string): { x: number; y: number } | null {
    const container = this.shadowRoot?.querySelector<HTMLElement>('.map');
    const p = this.map?.containerPointOf(id);
    if (!container || !p) return null;
    const box = container.getBoundingClientRect();
    return { x: box.left + container.clientLeft + p.x, y: box.top + container.clientTop + p.y };
  }

  /** The photo geotag markers on the map now. */
  get photoMarkers(): PhotoMarkerInfo[] {
    return this.map?.photoMarkers() ?? [];
  }

  /** Opens the popup of a submission's marker, as tapping it would. */
  openPopup(id: string): void {
    this.map?.openPopup(id);
  }

  /** Moves the map, as panning and zooming would. */
  centre(lat: number, lon: number, zoom: number): void {
    this.map?.centre(lat, lon, zoom);
  }

  /** The map's current view, for saving it offline. */
  get view(): MapView | null {
    return this.map?.view() ?? null;
  }

  private get baseMap(): BaseMapConfig | null {
    return usableBaseMap(this.reference?.baseMap);
  }

  /** Resolves once the map is drawn: its points on the canvas, its lists rendered. */
  get ready(): Promise<void> {
    return this.opening.then(() => this.map?.drawn());
  }

  /**
   * Resolves once the points are first drawn and that frame is painted,
   * before the lists render; also when the map could not be drawn.
   */
  get pointsShown(): Promise<void> {
    return this.pointsPainted;
  }

  private opening: Promise<void> = Promise.resolve();
  private pointsPainted: Promise<void> = Promise.resolve();

  private open(): Promise<void> {
    let shown = (): void => undefined;
    this.pointsPainted = new Promise((resolve) => (shown = resolve));
    this.opening = this.load(shown)
      .catch((e: unknown) => {
        this.error = `The map could not be shown: ${e instanceof Error ? e.message : String(e)}`;
      })
      // Whatever happened, no one waits for ever; when drawn, this has already resolved.
      .finally(() => this.map?.drawn().then(shown) ?? shown());
    return this.opening;
  }

  /** Opens the map; `shown` is called once its points are first painted. */
  private async load(shown: () => void): Promise<void> {
    const index = this.index;
    if (!index) return;
    const [, mod] = await Promise.all([
      // Opened first (a bookmark), before the shell's start-up read the outbox: read it now.
      index.load(),
      import('../map/submission-map.js'),
      // Saving areas offline only matters here: its code stays out of the capture screens too.
      import('./fs-offline-areas.js'),
    ]);
    await this.updateComplete;
    const root = this.shadowRoot;
    const container = root?.querySelector<HTMLElement>('.map');
    if (!root || !container || !this.isConnected) return;
    if (!root.adoptedStyleSheets.includes(mod.leafletSheet)) {
      // Leaflet's sheet first, so this element's own rules override it.
      root.adoptedStyleSheets = [mod.leafletSheet, ...root.adoptedStyleSheets];
    }
    const baseMap = this.baseMap;
    this.baseMapState = baseMap ? 'loading' : 'none';
    this.map = new mod.SubmissionMap(container, {
      baseMap,
      popup: (id) => this.popupContent(id),
      onBaseMapState: (state) => (this.baseMapState = state),
      onViewChange: () => (this.currentView = this.map?.view() ?? null),
    });
    // Setting up the map, placing 10,000 points, drawing them and rendering the lists each take tens of milliseconds:
    // in separate tasks, none of them holds up a tap for long.
    await nextTask();
    const map = this.map;
    if (!map || !this.isConnected) return;
    // The points are placed before the lists render, so Leaflet's size reads stay cheap.
    const items = index.all();
    this.changed.clear();
    const fitted = map.fit(items, (s) => this.isShown(s));
    // Fitting the view (Leaflet lays out its panes and tiles) and placing 10,000 points: two tasks.
    await nextTask();
    if (this.map !== map) return;
    map.putAll(items, (s) => this.isShown(s));
    // The lists wait until the points are drawn and painted, which is what the screen opens on:
    // drawn together, each would hold up the other. The bound keeps a hidden tab (no frames) from waiting.
    const painted = map
      .drawn()
      .then(() => afterNextPaint())
      .then(shown);
    await Promise.race([painted, sleep(LISTS_WAIT_MS)]);
    if (this.map !== map) return;
    this.items = index.all();
    // Changes that arrived while drawing were held back until the list existed.
    if (this.changed.size) this.refresh();
    if (!fitted) await this.openOnDevice();
    this.currentView = this.map?.view() ?? null;
    // The container may get its size only after layout (a narrow screen stacks the panels).
    this.resizeObserver = new ResizeObserver(() => this.map?.resize());
    this.resizeObserver.observe(container);
    this.requestUpdate();
  }

  /**
   * With nothing to fit, opens where the device is, if the user already let
   * the app know its position (capturing a location asks); never prompts here.
   */
  private async openOnDevice(): Promise<void> {
    const map = this.map;
    const position = await quickPosition(10_000, 10 * 60_000);
    if (position && map && this.map === map) map.centre(position.lat, position.lon, POSITION_ZOOM);
  }

  /** What the legend, filters and lists need from the submissions: worked out when they change, not on every pan. */
  private summary: MapSummary = summarize([]);

  protected override updated(changed: PropertyValues<this>): void {
    // The reference data may arrive (or change) after the map opened: the base map and form titles follow it.
    if (!changed.has('reference')) return;
    this.map?.setBaseMap(this.baseMap);
    const titles = JSON.stringify(this.reference?.forms.map((f) => [f.id, f.title]) ?? []);
    // Only when they differ: rebuilding an open popup's buttons could swallow a tap on them.
    if (titles !== this.popupTitles) {
      this.popupTitles = titles;
      this.map?.refreshPopups();
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('items')) this.summary = summarize(this.items ?? []);
  }

  /** Patches the changed submissions on the map, not the rest; the lists follow the index. */
  private applyChanges(): void {
    const index = this.index;
    if (this.items === null || !this.map || !index) return;
    const ids = [...this.changed];
    this.changed.clear();
    if (ids.includes(null)) {
      const gone = new Set(this.map.ids());
      for (const s of index.all()) {
        gone.delete(s.id);
        this.map.put(s, this.isShown(s));
      }
      for (const id of gone) this.map.remove(id);
    } else {
      for (const id of ids as string[]) {
        const s = index.get(id);
        if (s) this.map.put(s, this.isShown(s));
        else this.map.remove(id);
      }
    }
    this.items = index.all();
  }

  private isShown(s: OutboxEntry): boolean {
    return (
      !this.hiddenStatuses.has(s.status) &&
      (!this.onlyPending || isPending(s.status)) &&
      (this.formFilter === '' || s.formId === this.formFilter)
    );
  }

  private applyFilters(): void {
    for (const s of this.items ?? []) this.map?.show(s.id, this.isShown(s));
  }

  private toggleStatus(status: SubmissionStatus, shown: boolean): void {
    const next = new Set(this.hiddenStatuses);
    if (shown) next.delete(status);
    else next.add(status);
    this.hiddenStatuses = next;
    this.applyFilters();
    this.requestUpdate();
  }

  private toggleOnlyPending(on: boolean): void {
    this.onlyPending = on;
    this.applyFilters();
  }

  private chooseForm(formId: string): void {
    this.formFilter = formId;
    this.applyFilters();
  }

  private toggleShowPhotos(on: boolean): void {
    this.showPhotos = on;
    this.map?.setShowPhotos(on);
  }

  private navigate(path: string): void {
    this.dispatchEvent(new CustomEvent('fs-navigate', { detail: { path }, bubbles: true, composed: true }));
  }

  private async fix(id: string): Promise<void> {
    this.actionError = '';
    try {
      const draft = await openCorrection(id, this.stores);
      this.navigate(`/drafts/${draft.id}`);
    } catch (e) {
      // The map stays: only this action failed (the record went meanwhile, or the disk is full).
      this.actionError = `It could not be opened for correction: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private formTitle(formId: string): string {
    return this.reference?.forms.find((f) => f.id === formId)?.title ?? formId;
  }

  /** A popup's content, from the latest copy of the submission. */
  private popupContent(id: string): HTMLElement {
    const entry = this.index?.get(id);
    return mapPopup(
      entry,
      entry ? this.formTitle(entry.formId) : '',
      {
        open: () => this.navigate(`/outbox/${encodeURIComponent(id)}`),
        sendNow: () =>
          this.dispatchEvent(new CustomEvent('send-now', { detail: { id }, bubbles: true, composed: true })),
        fix: () => void this.fix(id),
      },
      this.stores,
    );
  }

  static override styles = [controlStyles, statusStyles, mapScreenStyles];

  override render() {
    const items = this.items;
    if (this.error)
      return html`<h1>Map</h1>
        <p class="why" role="alert">${this.error}</p>`;
    const { located, unlocated } = this.summary;
    const shown = this.shownByUrgency(located);
    const inView = shown.filter((s) => inBounds(s, this.currentView));
    return html`
      <h1>Map</h1>
      <fs-enrollment-notice .stores=${this.stores}></fs-enrollment-notice>
      ${this.actionError ? html`<p class="why" role="alert">${this.actionError}</p>` : nothing}
      <div class="layout">
        <div>
          <div
            class="map"
            role="region"
            aria-label="Map of submissions; the same submissions are listed below"
          ></div>
          <p class="note" role="status">${this.baseMapNote()}</p>
        </div>
        <div>
          ${this.renderLegend()} ${this.renderFilters()} ${items === null ? html`<p>Loading…</p>` : nothing}
          <fs-offline-areas
            .baseMap=${this.baseMap}
            .view=${this.currentView}
            .stores=${this.stores}
          ></fs-offline-areas>
          ${
            unlocated.length
              ? html`<h2 id="unlocated">
                    ${unlocated.length === 1 ? '1 submission has' : `${unlocated.length} submissions have`} no
                    location
                  </h2>
                  <ul aria-labelledby="unlocated" class="unlocated">
                    ${unlocated.slice(0, this.unlocatedLimit).map((s) => this.renderItem(s))}
                  </ul>
                  ${this.renderMore(unlocated.length, this.unlocatedLimit, () => (this.unlocatedLimit += LIST_PAGE))}`
              : nothing
          }
        </div>
      </div>
      <h2 id="shown">In the map's view: ${inView.length} of ${shown.length} shown</h2>
      <p class="note">
        ${located.length > shown.length ? `${located.length - shown.length} hidden by the filters. ` : ''}Listed
        most urgent first (rejected, waiting, queued, sending, sent), newest first within each.
      </p>
      ${
        inView.length
          ? html`<ul aria-labelledby="shown" class="shown">
              ${inView.slice(0, this.listLimit).map((s) => this.renderItem(s))}
            </ul>`
          : nothing
      }
      ${this.renderMore(inView.length, this.listLimit, () => (this.listLimit += LIST_PAGE))}
    `;
  }

  private baseMapNote(): string {
    switch (this.baseMapState) {
      case 'none':
        return 'No base map is available (no tile server is configured): points are shown on a grid.';
      case 'loading':
        return 'Loading the base map…';
      case 'shown':
        return '';
      case 'unavailable':
        return 'No base map is available here (offline, and this area was not seen or saved): points are shown on a grid.';
    }
  }

  private renderFilters() {
    const { formIds, withPhotos } = this.summary;
    const forms = formIds
      .map((id) => ({ id, title: this.reference?.forms.find((f) => f.id === id)?.title ?? id }))
      .sort((a, b) => a.title.localeCompare(b.title));
    return html`<fieldset class="filters">
      <legend>Show</legend>
      <label class="stack">
        <span>Form</span>
        <select name="form" @change=${(e: Event) => this.chooseForm((e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${this.formFilter === ''}>All forms</option>
          ${forms.map(
            (f) => html`<option value=${f.id} ?selected=${this.formFilter === f.id}>${f.title}</option>`,
          )}
        </select>
      </label>
      <label class="row">
        <input
          type="checkbox"
          name="photos"
          .checked=${this.showPhotos}
          ?disabled=${!withPhotos}
          @change=${(e: Event) => this.toggleShowPhotos((e.target as HTMLInputElement).checked)}
        />
        <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="12" cy="12" r=${PHOTO_STYLE.far.radius} fill=${PHOTO_STYLE.far.color} />
        </svg>
        <span>Where photos were taken${withPhotos ? '' : ' (no geotagged photos)'}</span>
      </label>
    </fieldset>`;
  }

  private renderLegend() {
    const { counts } = this.summary;
    return html`<fieldset class="legend">
      <legend>Status on this device</legend>
      ${STATUSES.map((status) => {
        const st = MARKER_STYLE[status];
        const n = counts.get(status) ?? 0;
        return html`<label class="row" data-status=${status}>
          <input
            type="checkbox"
            name="status"
            value=${status}
            .checked=${!this.hiddenStatuses.has(status)}
            ?disabled=${this.onlyPending && !isPending(status)}
            @change=${(e: Event) => this.toggleStatus(status, (e.target as HTMLInputElement).checked)}
          />
          <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">
            <circle
              cx="12"
              cy="12"
              r=${st.radius}
              stroke=${st.color}
              stroke-width=${st.weight}
              stroke-dasharray=${st.dashArray ?? 'none'}
              fill=${st.color}
              fill-opacity=${st.fillOpacity}
            />
          </svg>
          <span>${STATUS_TEXT[status]}</span>
          <span class="count">${n}</span>
        </label>`;
      })}
      <label class="row">
        <input
          type="checkbox"
          name="only-pending"
          .checked=${this.onlyPending}
          @change=${(e: Event) => this.toggleOnlyPending((e.target as HTMLInputElement).checked)}
        />
        <span>Only pending (not yet accepted by the server)</span>
      </label>
    </fieldset>`;
  }

  private sorted: { from: readonly OutboxEntry[]; key: string; result: OutboxEntry[] } | null = null;

  /** The shown submissions, most urgent first; sorted again only when they or the filters change, not on every pan. */
  private shownByUrgency(located: OutboxEntry[]): OutboxEntry[] {
    const key = `${[...this.hiddenStatuses].join()}|${this.onlyPending}|${this.formFilter}`;
    if (this.sorted?.from !== this.items || this.sorted.key !== key) {
      this.sorted = {
        from: this.items ?? [],
        key,
        result: byUrgency(located.filter((s) => this.isShown(s))),
      };
    }
    return this.sorted.result;
  }

  private renderMore(total: number, limit: number, more: () => void) {
    if (total <= limit) return nothing;
    return html`<p>
      Listing ${limit} of ${total}.
      <button type="button" @click=${more}>Show ${Math.min(LIST_PAGE, total - limit)} more</button>
    </p>`;
  }

  private renderItem(s: OutboxEntry) {
    return html`<li data-id=${s.id}>
      <span class="title">${this.formTitle(s.formId)}</span>
      <time datetime=${s.createdAt}>${new Date(s.createdAt).toLocaleString()}</time>
      <span class="status status-${s.status}">${STATUS_TEXT[s.status]}</span>
      ${
        s.status === 'rejected' && s.rejection
          ? html`<span class="why">Refused by the server: ${s.rejection}</span>`
          : nothing
      }
    </li>`;
  }
}

customElements.define('fs-map', FsMap);

declare global {
  interface HTMLElementTagNameMap {
    'fs-map': FsMap;
  }
}
