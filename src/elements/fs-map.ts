import { LitElement, css, html, nothing } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import type { StoredSubmission, SubmissionStatus } from '../../shared/outbox.js';
import type { SubmissionChange } from '../../shared/messages.js';
import { onOutboxChange } from '../core/outbox-events.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { getSubmission, listSubmissions } from '../core/submissions.js';
import type { MarkerInfo, SubmissionMap } from '../map/submission-map.js';
import { MARKER_STYLE, STATUSES, STATUS_TEXT, isPending } from '../map/status-style.js';
import { throttle } from '../throttle.js';
import { controlStyles } from '../styles/controls.js';
import { statusStyles } from '../styles/status.js';

/**
 * The map of the submissions on this device, styled by status, with a legend
 * that filters, and the same submissions as a list for keyboard and
 * screen-reader users. Leaflet is loaded only when this screen opens.
 */
export class FsMap extends LitElement {
  static override properties = {
    reference: { attribute: false },
    items: { state: true },
    hiddenStatuses: { state: true },
    onlyPending: { state: true },
    error: { state: true },
  };

  declare reference: ReferenceData | null;
  /** Every submission on the device, newest first; null while loading. */
  declare items: StoredSubmission[] | null;
  /** Statuses the user unticked. */
  declare hiddenStatuses: ReadonlySet<SubmissionStatus>;
  declare onlyPending: boolean;
  declare error: string;
  stores: Stores = defaultStores;

  private map: SubmissionMap | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Changed ids since the last refresh; null in the set means "reload everything". */
  private readonly changed = new Set<string | null>();
  private readonly refresh = throttle(() => void this.applyChanges(), 100);
  private resizeObserver: ResizeObserver | null = null;

  constructor() {
    super();
    this.reference = null;
    this.items = null;
    this.hiddenStatuses = new Set();
    this.onlyPending = false;
    this.error = '';
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

  /** Opens the popup of a submission's marker, as tapping it would. */
  openPopup(id: string): void {
    this.map?.openPopup(id);
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
    ]);
    this.items = items;
    await this.updateComplete;
    const root = this.shadowRoot;
    const container = root?.querySelector<HTMLElement>('.map');
    if (!root || !container || !this.isConnected) return;
    if (!root.adoptedStyleSheets.includes(mod.leafletSheet)) {
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, mod.leafletSheet];
    }
    this.map = new mod.SubmissionMap(container, (id) => this.popupContent(id));
    for (const s of items) this.map.put(s, this.isShown(s));
    this.map.fit();
    // The container may get its size only after layout (a narrow screen stacks the panels).
    this.resizeObserver = new ResizeObserver(() => this.map?.resize());
    this.resizeObserver.observe(container);
    this.requestUpdate();
  }

  /** Patches the changed submissions in the list and on the map, not the rest. */
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
    let items = [...this.items];
    for (const id of ids as string[]) {
      const sub = await getSubmission(id, this.stores);
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
    return !this.hiddenStatuses.has(s.status) && (!this.onlyPending || isPending(s.status));
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
    };
    add('strong', this.formTitle(sub));
    add('div', `Saved ${new Date(sub.payload.createdAt).toLocaleString()}`);
    add('div', STATUS_TEXT[sub.status], `status status-${sub.status}`);
    if (sub.status === 'rejected' && sub.rejection)
      add('div', `Refused by the server: ${sub.rejection.message}`, 'why');
    return box;
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
        width: 1.25rem;
        height: 1.25rem;
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
    `,
  ];

  override render() {
    const items = this.items;
    if (this.error)
      return html`<h1>Map</h1>
        <p class="why" role="alert">${this.error}</p>`;
    const located = items?.filter((s) => s.payload.location) ?? [];
    const unlocated = items?.filter((s) => !s.payload.location) ?? [];
    const shown = located.filter((s) => this.isShown(s));
    return html`
      <h1>Map</h1>
      <div class="layout">
        <div>
          <div
            class="map"
            role="region"
            aria-label="Map of submissions; the same submissions are listed below"
          ></div>
          <p class="note">No base map is available: points are shown on a plain background.</p>
        </div>
        <div>
          ${this.renderLegend(items ?? [])} ${items === null ? html`<p>Loading…</p>` : nothing}
          ${
            unlocated.length
              ? html`<h2 id="unlocated">
                    ${unlocated.length === 1 ? '1 submission has' : `${unlocated.length} submissions have`} no
                    location
                  </h2>
                  <ul aria-labelledby="unlocated" class="unlocated">
                    ${unlocated.map((s) => this.renderItem(s))}
                  </ul>`
              : nothing
          }
        </div>
      </div>
      <h2 id="shown">On the map: ${shown.length} of ${located.length}</h2>
      ${
        shown.length
          ? html`<ul aria-labelledby="shown" class="shown">
              ${shown.map((s) => this.renderItem(s))}
            </ul>`
          : nothing
      }
    `;
  }

  private renderLegend(items: StoredSubmission[]) {
    const counts = new Map<SubmissionStatus, number>();
    for (const s of items) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
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

customElements.define('fs-map', FsMap);

declare global {
  interface HTMLElementTagNameMap {
    'fs-map': FsMap;
  }
}
