import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { usableBaseMap, type BaseMapConfig } from '../../shared/base-map.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { StoredSubmission, SubmissionStatus } from '../../shared/outbox.js';
import type { SubmissionChange } from '../../shared/messages.js';
import { openCorrection } from '../core/corrections.js';
import { onOutboxChange } from '../core/outbox-events.js';
import { getPhoto } from '../core/photos.js';
import { quickPosition } from '../geo/current-position.js';
import { distanceMetres } from '../../shared/geo.js';
import { formatDistance } from '../../shared/review-flags.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { getSubmission, listSubmissions } from '../core/submissions.js';
import type { MapView } from './fs-offline-areas.js';
import type { BaseMapState, MarkerInfo, PhotoMarkerInfo, SubmissionMap } from '../map/submission-map.js';
import { FAR_PHOTO_METRES, MARKER_STYLE, PHOTO_STYLE, STATUSES, isPending } from '../map/status-style.js';
import { throttle } from '../throttle.js';
import { controlStyles } from '../styles/controls.js';
import { STATUS_TEXT, statusStyles } from '../styles/status.js';
import './fs-enrollment-notice.js';

/** Submissions listed at a time; "Show more" adds as many again. */
const LIST_PAGE = 50;

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
  /** Every submission on the device, newest first; null while loading. */
  declare items: StoredSubmission[] | null;
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
  private unsubscribe: (() => void) | null = null;
  /** Changed ids since the last refresh; null in the set means "reload everything". */
  private readonly changed = new Set<string | null>();
  private readonly refresh = throttle(() => void this.applyChanges(), 100);
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
    this.unsubscribe = onOutboxChange((c: SubmissionChange) => {
      this.changed.add(c.id);
      this.refresh();
    });
    void this.open();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
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

  /** Resolves once the map is drawn. */
  get ready(): Promise<void> {
    return this.opening;
  }

  private opening: Promise<void> = Promise.resolve();

  private open(): Promise<void> {
    this.opening = this.load().catch((e: unknown) => {
      this.error = `The map could not be shown: ${e instanceof Error ? e.message : String(e)}`;
    });
    return this.opening;
  }

  private async load(): Promise<void> {
    const [items, mod] = await Promise.all([
      listSubmissions(this.stores),
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
    // The points are placed before the lists render, so Leaflet's size reads stay cheap; all draw in the next frame.
    const fitted = this.map.putAll(items, (s) => this.isShown(s));
    this.items = items;
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
  private summary: Summary = summarize([]);

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

  /**
   * Patches the changed submissions in the list and on the map, not the rest.
   * Everything is read before this.items is touched, with no await between
   * reading this.items and replacing it: runs may overlap in a burst of
   * changes, and the later one must not undo the earlier one.
   */
  private async applyChanges(): Promise<void> {
    if (this.items === null) return;
    const ids = [...this.changed];
    this.changed.clear();
    if (ids.includes(null)) {
      const all = await listSubmissions(this.stores);
      const gone = new Set(this.map?.ids());
      for (const s of all) {
        gone.delete(s.payload.id);
        this.map?.put(s, this.isShown(s));
      }
      for (const id of gone) this.map?.remove(id);
      this.items = all;
      return;
    }
    const read = await Promise.all(
      (ids as string[]).map(async (id) => [id, await getSubmission(id, this.stores)] as const),
    );
    let items = [...(this.items ?? [])];
    for (const [id, sub] of read) {
      const at = items.findIndex((s) => s.payload.id === id);
      if (!sub) {
        if (at >= 0) items.splice(at, 1);
        this.map?.remove(id);
        continue;
      }
      if (at >= 0) items[at] = sub;
      else items = [sub, ...items];
      this.map?.put(sub, this.isShown(sub));
    }
    this.items = items;
  }

  private isShown(s: StoredSubmission): boolean {
    return (
      !this.hiddenStatuses.has(s.status) &&
      (!this.onlyPending || isPending(s.status)) &&
      (this.formFilter === '' || s.payload.formId === this.formFilter)
    );
  }

  private applyFilters(): void {
    for (const s of this.items ?? []) this.map?.show(s.payload.id, this.isShown(s));
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

  private formTitle(sub: StoredSubmission): string {
    return this.reference?.forms.find((f) => f.id === sub.payload.formId)?.title ?? sub.payload.formId;
  }

  /** A popup's content, as DOM built with textContent: server messages are never parsed as HTML. */
  private popupContent(id: string): HTMLElement {
    const sub = this.items?.find((s) => s.payload.id === id);
    const box = document.createElement('div');
    box.className = 'popup';
    if (!sub) {
      box.textContent = 'This submission is no longer on the device.';
      return box;
    }
    const add = (tag: string, text: string, className = '') => {
      const el = document.createElement(tag);
      el.textContent = text;
      if (className) el.className = className;
      box.append(el);
      return el;
    };
    const title = this.formTitle(sub);
    add('strong', title);
    add('div', `Saved ${new Date(sub.payload.createdAt).toLocaleString()}`);
    add('div', STATUS_TEXT[sub.status], `status status-${sub.status}`);
    if (sub.status === 'rejected' && sub.rejection)
      add('div', `Refused by the server: ${sub.rejection.message}`, 'why');
    else if ((sub.status === 'queued' || sub.status === 'waiting') && sub.lastError)
      add('div', `Last try: ${sub.lastError}`);
    for (const far of this.farPhotos(sub)) add('div', far, 'why');
    if (sub.payload.photos.length) void this.addThumbnails(box, sub);

    const actions = document.createElement('div');
    actions.className = 'actions';
    const button = (label: string, name: string, onClick: () => void, className = '') => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.setAttribute(
        'aria-label',
        `${name} ${title} saved ${new Date(sub.payload.createdAt).toLocaleString()}`,
      );
      if (className) b.className = className;
      b.addEventListener('click', onClick);
      actions.append(b);
    };
    button('Open', 'Open', () => this.navigate(`/outbox/${encodeURIComponent(id)}`));
    if (sub.status === 'queued' || sub.status === 'waiting')
      button(
        'Send now',
        'Send now',
        () =>
          this.dispatchEvent(new CustomEvent('send-now', { detail: { id }, bubbles: true, composed: true })),
        'primary',
      );
    if (sub.status === 'rejected') button('Fix', 'Fix', () => void this.fix(id), 'primary');
    box.append(actions);
    return box;
  }

  /** Sentences about photos taken far from the record's location. */
  private farPhotos(sub: StoredSubmission): string[] {
    const loc = sub.payload.location;
    if (!loc) return [];
    return sub.payload.photos.flatMap((p, i) => {
      if (!p.geotag) return [];
      const d = distanceMetres(loc, p.geotag);
      if (d <= FAR_PHOTO_METRES) return [];
      return [`Photo ${i + 1} was taken ${formatDistance(d)} from the record's location.`];
    });
  }

  /**
   * Thumbnails take their place at once, so the popup has its final size when
   * Leaflet pans it into view; the pictures arrive from storage after.
   */
  private async addThumbnails(box: HTMLElement, sub: StoredSubmission): Promise<void> {
    const strip = document.createElement('div');
    strip.className = 'thumbs';
    box.insertBefore(strip, box.querySelector('.actions'));
    const imgs = sub.payload.photos.map((_, i) => {
      const img = document.createElement('img');
      img.alt = `Photo ${i + 1} of ${sub.payload.photos.length}`;
      img.width = 64;
      img.height = 64;
      strip.append(img);
      return img;
    });
    for (const [i, ref] of sub.payload.photos.entries()) {
      const img = imgs[i];
      const photo = await getPhoto(ref.sha256, this.stores).catch(() => undefined);
      if (!img) continue;
      if (!photo) {
        img.alt = `Photo ${i + 1} is no longer on this device`;
        continue;
      }
      const url = URL.createObjectURL(new Blob([photo.thumbnail], { type: 'image/jpeg' }));
      // Once decoded the image no longer needs the URL: nothing to clean up when the popup goes.
      img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      img.addEventListener('error', () => URL.revokeObjectURL(url), { once: true });
      img.src = url;
    }
  }

  static override styles = [
    controlStyles,
    statusStyles,
    css`
      h1 {
        margin: 0 0 0.5rem;
        font-size: 1.5rem;
      }
      .layout {
        display: grid;
        gap: 0.75rem;
      }
      @media (min-width: 48rem) {
        .layout {
          grid-template-columns: minmax(0, 2fr) minmax(14rem, 1fr);
        }
      }
      .map {
        height: 60vh;
        min-height: 18rem;
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        /* The plain background stands in for a base map. */
        background: #eef1ee;
      }
      .note {
        margin: 0.25rem 0 0;
        color: var(--_muted);
        font-size: 0.95rem;
      }
      fieldset {
        margin: 0 0 0.75rem;
        padding: 0.5rem 0.75rem;
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        background: #fff;
      }
      legend {
        font-weight: 700;
      }
      label.row {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        min-height: var(--_target);
      }
      label.row input {
        flex: none;
        width: 1.25rem;
        height: 1.25rem;
      }
      /* Leaflet's controls are sized for a mouse; fingers need 44 px. */
      .map .leaflet-bar a {
        width: var(--_target);
        height: var(--_target);
        line-height: var(--_target);
      }
      .map a.leaflet-popup-close-button {
        width: var(--_target);
        height: var(--_target);
        font: 24px/44px sans-serif;
      }
      .count {
        margin-left: auto;
        font-variant-numeric: tabular-nums;
      }
      svg {
        flex: none;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.35rem;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.25rem 0.5rem;
        padding: 0.4rem 0.5rem;
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        background: #fff;
      }
      li .title {
        font-weight: 600;
        margin-right: auto;
      }
      li time {
        color: var(--_muted);
      }
      h2 {
        font-size: 1.1rem;
        margin: 0.75rem 0 0.35rem;
      }
      .why {
        color: var(--_danger);
      }
      label.stack {
        display: grid;
        gap: 0.25rem;
        margin-bottom: 0.25rem;
      }
      .popup > strong {
        display: block;
        /* Clear of the close button. */
        margin-right: 1.75rem;
      }
      .popup .thumbs {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        margin-top: 0.35rem;
      }
      .popup .thumbs img {
        object-fit: cover;
        border-radius: 0.25rem;
      }
      .note:empty {
        display: none;
      }
    `,
  ];

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

  private sorted: { from: StoredSubmission[]; key: string; result: StoredSubmission[] } | null = null;

  /** The shown submissions, most urgent first; sorted again only when they or the filters change, not on every pan. */
  private shownByUrgency(located: StoredSubmission[]): StoredSubmission[] {
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

  private renderItem(s: StoredSubmission) {
    const created = new Date(s.payload.createdAt);
    return html`<li data-id=${s.payload.id}>
      <span class="title">${this.formTitle(s)}</span>
      <time datetime=${s.payload.createdAt}>${created.toLocaleString()}</time>
      <span class="status status-${s.status}">${STATUS_TEXT[s.status]}</span>
      ${
        s.status === 'rejected' && s.rejection
          ? html`<span class="why">Refused by the server: ${s.rejection.message}</span>`
          : nothing
      }
    </li>`;
  }
}

interface Summary {
  located: StoredSubmission[];
  /** Most urgent first. */
  unlocated: StoredSubmission[];
  counts: ReadonlyMap<SubmissionStatus, number>;
  formIds: string[];
  withPhotos: boolean;
}

function summarize(items: StoredSubmission[]): Summary {
  const counts = new Map<SubmissionStatus, number>();
  for (const s of items) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return {
    located: items.filter((s) => s.payload.location),
    unlocated: byUrgency(items.filter((s) => !s.payload.location)),
    counts,
    formIds: [...new Set(items.map((s) => s.payload.formId))],
    withPhotos: items.some((s) => s.payload.photos.some((p) => p.geotag)),
  };
}

const URGENCY = new Map(STATUSES.map((status, i) => [status, i]));

/** Rejected first, sent last (the legend's order), newest first within a status. */
function byUrgency(subs: StoredSubmission[]): StoredSubmission[] {
  return [...subs].sort(
    (a, b) =>
      (URGENCY.get(a.status) ?? 0) - (URGENCY.get(b.status) ?? 0) ||
      (a.payload.createdAt < b.payload.createdAt ? 1 : a.payload.createdAt > b.payload.createdAt ? -1 : 0),
  );
}

/** Inside the map's view; everything counts while the map has no view yet. */
function inBounds(s: StoredSubmission, view: MapView | null): boolean {
  const loc = s.payload.location;
  if (!loc || !view) return true;
  const b = view.bounds;
  return loc.lat >= b.south && loc.lat <= b.north && loc.lon >= b.west && loc.lon <= b.east;
}

customElements.define('fs-map', FsMap);

declare global {
  interface HTMLElementTagNameMap {
    'fs-map': FsMap;
  }
}
