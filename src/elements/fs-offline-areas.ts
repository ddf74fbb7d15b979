import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { BaseMapConfig, LatLonBounds } from '../../shared/base-map.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { seenTileStats } from '../core/tile-cache.js';
import {
  offlineAreas,
  planArea,
  type AreaPlan,
  type AreaProgress,
  type OfflineAreas,
  type SavedArea,
} from '../map/offline-areas.js';
import { formatBytes } from '../storage-persistence.js';
import { controlStyles } from '../styles/controls.js';

/** What the map shows: the area a download would save. */
export interface MapView {
  bounds: LatLonBounds;
  zoom: number;
}

/** Zoom levels below the view's offered by default: the deeper ones are where field work is read. */
const DEFAULT_EXTRA_ZOOMS = 3;

const STATUS_TEXT: Record<SavedArea['status'], string> = {
  downloading: 'Downloading',
  complete: 'Saved',
  incomplete: 'Incomplete',
  failed: 'Failed',
};

/**
 * "Save this area for offline": the visible area and a zoom range, the
 * number of tiles and their estimated size before anything downloads, a
 * progress bar with Cancel, and the saved areas with their size, to resume
 * or delete.
 */
export class FsOfflineAreas extends LitElement {
  static override properties = {
    baseMap: { attribute: false },
    view: { attribute: false },
    areas: { state: true },
    choosing: { state: true },
    minZoom: { state: true },
    maxZoom: { state: true },
    name: { state: true },
    plan: { state: true },
    progress: { state: true },
    error: { state: true },
  };

  declare baseMap: BaseMapConfig | null;
  declare view: MapView | null;
  /** Saved areas, newest first; null while loading. */
  declare areas: SavedArea[] | null;
  /** The save panel is open. */
  declare choosing: boolean;
  declare minZoom: number;
  declare maxZoom: number;
  declare name: string;
  declare plan: AreaPlan | null;
  declare progress: AreaProgress | null;
  declare error: string;
  stores: Stores = defaultStores;
  /** The downloads of this page; its own instance in tests. */
  downloads: OfflineAreas = offlineAreas;

  private unsubscribe: (() => void) | null = null;
  private planned = 0;

  constructor() {
    super();
    this.baseMap = null;
    this.view = null;
    this.areas = null;
    this.choosing = false;
    this.minZoom = 0;
    this.maxZoom = 0;
    this.name = '';
    this.plan = null;
    this.progress = null;
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const offProgress = this.downloads.onProgress((p) => {
      this.progress = p;
    });
    const onChange = () => void this.load();
    this.downloads.addEventListener('change', onChange);
    this.unsubscribe = () => {
      offProgress();
      this.downloads.removeEventListener('change', onChange);
    };
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  /** Resolves when the list of saved areas has been read. */
  async load(): Promise<void> {
    try {
      this.areas = await this.downloads.list();
    } catch (e) {
      this.error = `The saved areas could not be read: ${message(e)}`;
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.choosing && (changed.has('view') || changed.has('minZoom') || changed.has('maxZoom')))
      void this.replan();
  }

  private open(): void {
    if (!this.baseMap || !this.view) return;
    const deepest = this.baseMap.maxZoom;
    this.minZoom = Math.min(this.view.zoom, deepest);
    this.maxZoom = Math.min(this.minZoom + DEFAULT_EXTRA_ZOOMS, deepest);
    this.name = `Area ${(this.areas?.length ?? 0) + 1}`;
    this.error = '';
    this.plan = null;
    this.choosing = true;
  }

  /** Counts the tiles and checks the free space; the latest request wins. */
  private async replan(): Promise<void> {
    const { baseMap, view } = this;
    if (!baseMap || !view) return;
    const ticket = ++this.planned;
    const stats = await seenTileStats(this.stores).catch(() => ({ count: 0, bytes: 0 }));
    // Tiles already seen here tell the real size better than any default.
    const averageTileBytes = stats.count >= 20 ? stats.bytes / stats.count : undefined;
    const plan = await planArea(baseMap, view.bounds, this.minZoom, this.maxZoom, { averageTileBytes });
    if (ticket === this.planned) this.plan = plan;
  }

  private async download(): Promise<void> {
    const { baseMap, view, plan } = this;
    if (!baseMap || !view || !plan?.fits) return;
    this.error = '';
    try {
      const name = this.name.trim() || `Area ${(this.areas?.length ?? 0) + 1}`;
      const started = await this.downloads.start(baseMap, view.bounds, this.minZoom, this.maxZoom, name);
      this.choosing = false;
      this.progress = {
        id: started.area.id,
        done: 0,
        failed: 0,
        total: started.area.tileCount,
        bytes: 0,
        status: 'downloading',
      };
      await this.load();
    } catch (e) {
      this.error = message(e);
    }
  }

  private async resume(area: SavedArea): Promise<void> {
    this.error = '';
    try {
      await this.downloads.resume(area.id);
      await this.load();
    } catch (e) {
      this.error = message(e);
    }
  }

  /** Deletes an area, or cancels its download: either way its tiles no other area uses are freed. */
  private async discard(id: string): Promise<void> {
    this.error = '';
    try {
      await this.downloads.remove(id);
      if (this.progress?.id === id) this.progress = null;
    } catch (e) {
      this.error = `The area could not be deleted: ${message(e)}`;
    }
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }
      h2 {
        font-size: 1.1rem;
        margin: 0.75rem 0 0.35rem;
      }
      .panel {
        display: grid;
        gap: 0.5rem;
        padding: 0.5rem 0.75rem;
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        background: #fff;
      }
      .zooms {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
      }
      .stack {
        display: grid;
        gap: 0.25rem;
      }
      .buttons {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      progress {
        width: 100%;
        height: 1.25rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.35rem;
      }
      li {
        display: grid;
        gap: 0.25rem;
        padding: 0.5rem;
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        background: #fff;
      }
      .meta {
        color: var(--_muted);
      }
      .why {
        color: var(--_danger);
      }
    `,
  ];

  override render() {
    if (!this.baseMap) return nothing;
    const running = this.downloads.downloading;
    return html`
      <h2 id="offline-title">Offline base map</h2>
      <p class="meta">
        Map tiles you look at are kept for offline use. Save an area to be sure it is there without a network.
      </p>
      ${this.error ? html`<p class="why" role="alert">${this.error}</p>` : nothing}
      ${this.renderProgress(running)}
      ${
        this.choosing
          ? this.renderPanel()
          : html`<button
              type="button"
              ?disabled=${!this.view || running !== null}
              @click=${() => this.open()}
            >
              Save this area for offline…
            </button>`
      }
      ${this.renderAreas(running)}
    `;
  }

  private renderProgress(running: string | null) {
    const p = this.progress;
    if (!p || p.id !== running) return nothing;
    const area = this.areas?.find((a) => a.id === p.id);
    return html`<div class="panel">
      <label class="stack">
        <span>
          Saving ${area ? `“${area.name}”` : 'the area'}: ${p.done} of ${p.total} tiles
          (${formatBytes(p.bytes)})
        </span>
        <progress max=${p.total} value=${p.done}></progress>
      </label>
      <div class="buttons">
        <button type="button" class="danger" @click=${() => void this.discard(p.id)}>Cancel</button>
      </div>
    </div>`;
  }

  private renderPanel() {
    const deepest = this.baseMap?.maxZoom ?? 0;
    const zooms = Array.from({ length: deepest + 1 }, (_, z) => z);
    const plan = this.plan;
    return html`<div class="panel" role="group" aria-labelledby="save-title">
      <strong id="save-title">Save the area shown on the map</strong>
      <div class="stack">
        <label for="area-name">Name of the area</label>
        <input
          id="area-name"
          type="text"
          name="area-name"
          .value=${this.name}
          @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="zooms">
        <div class="stack">
          <label for="min-zoom">From zoom</label>
          <select
            id="min-zoom"
            name="min-zoom"
            @change=${(e: Event) => (this.minZoom = Number((e.target as HTMLSelectElement).value))}
          >
            ${zooms.map((z) => html`<option value=${z} ?selected=${z === this.minZoom}>${z}</option>`)}
          </select>
        </div>
        <div class="stack">
          <label for="max-zoom">To zoom</label>
          <select
            id="max-zoom"
            name="max-zoom"
            @change=${(e: Event) => (this.maxZoom = Number((e.target as HTMLSelectElement).value))}
          >
            ${zooms.map((z) => html`<option value=${z} ?selected=${z === this.maxZoom}>${z}</option>`)}
          </select>
        </div>
      </div>
      <p role="status" class=${plan?.problem ? 'why' : ''}>
        ${
          plan === null
            ? 'Counting the tiles…'
            : plan.problem
              ? plan.problem
              : `${plan.tileCount.toLocaleString()} tiles, about ${formatBytes(plan.estimatedBytes)}` +
                (plan.availableBytes !== null
                  ? `; ${formatBytes(plan.availableBytes)} free on this device.`
                  : '.')
        }
      </p>
      <div class="buttons">
        <button type="button" class="primary" ?disabled=${!plan?.fits} @click=${() => void this.download()}>
          Download
        </button>
        <button type="button" @click=${() => (this.choosing = false)}>Close</button>
      </div>
    </div>`;
  }

  private renderAreas(running: string | null) {
    const areas = this.areas ?? [];
    if (areas.length === 0) return nothing;
    return html`<h2 id="saved-title">Saved areas</h2>
      <ul aria-labelledby="saved-title">
        ${areas.map(
          (a) =>
            html`<li data-id=${a.id}>
              <strong>${a.name}</strong>
              <span class="meta">
                ${STATUS_TEXT[a.status]} · zoom ${a.minZoom}–${a.maxZoom} · ${a.tilesDone} of ${a.tileCount}
                tiles · ${formatBytes(a.bytes)}
              </span>
              ${a.error && a.status !== 'complete' ? html`<span class="why">${a.error}</span>` : nothing}
              <div class="buttons">
                ${
                  a.status === 'incomplete' || a.status === 'failed'
                    ? html`<button
                        type="button"
                        ?disabled=${running !== null}
                        aria-label="Resume ${a.name}"
                        @click=${() => void this.resume(a)}
                      >
                        Resume
                      </button>`
                    : nothing
                }
                ${
                  a.id === running
                    ? nothing
                    : html`<button
                        type="button"
                        class="danger"
                        aria-label="Delete ${a.name}"
                        @click=${() => void this.discard(a.id)}
                      >
                        Delete
                      </button>`
                }
              </div>
            </li>`,
        )}
      </ul>`;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

customElements.define('fs-offline-areas', FsOfflineAreas);

declare global {
  interface HTMLElementTagNameMap {
    'fs-offline-areas': FsOfflineAreas;
  }
}
