/**
 * What every map screen shares: a Leaflet map drawing its markers on one
 * canvas, a grid on a plain background, and the deployment's tile server
 * when one is configured (retrying tiles lost to a passing fault, and
 * saying whether tiles show). Loaded on demand with Leaflet.
 */
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import leafletCss from 'leaflet/dist/leaflet.css?inline';
import type { BaseMapConfig } from '../../shared/base-map.js';

/** Leaflet's stylesheet, built once, for a shadow root to adopt. */
export const leafletSheet = new CSSStyleSheet();
leafletSheet.replaceSync(leafletCss);

/**
 * none: no tile server configured. loading: tiles requested, none arrived yet.
 * shown: tiles are on screen. unavailable: the tiles of this view failed
 * (offline and not saved, or the tile server is down).
 */
export type BaseMapState = 'none' | 'loading' | 'shown' | 'unavailable';

/** How often, and after how long (times the attempt), a tile that failed is asked for again. */
const TILE_RETRIES = 2;
const TILE_RETRY_MS = 1000;

/** The deepest zoom without a tile server to say otherwise. */
const DEFAULT_MAX_ZOOM = 18;

/** A grid line's colour: faint, so the points stand out. */
const GRID_LINE = 'rgba(60, 80, 60, 0.25)';

/**
 * Grid lines on a plain background: with no base map, distances and
 * movement can still be read. Each tile is an element with the lines as
 * its CSS background (a line at its top and left edges and across its
 * middle), drawn by the compositor: a canvas per tile cost the main thread
 * tens of milliseconds at every zoom.
 */
const GridLayer = L.GridLayer.extend({
  createTile(this: L.GridLayer): HTMLElement {
    const size = this.getTileSize();
    const tile = document.createElement('div');
    tile.className = 'grid-tile';
    tile.style.backgroundImage = `linear-gradient(to right, ${GRID_LINE} 1px, transparent 1px), linear-gradient(to bottom, ${GRID_LINE} 1px, transparent 1px)`;
    tile.style.backgroundSize = `${size.x / 2}px ${size.y / 2}px`;
    return tile;
  },
}) as new (options?: L.GridLayerOptions) => L.GridLayer;

export interface LeafletBaseOptions {
  baseMap: BaseMapConfig | null;
  onBaseMapState: (state: BaseMapState) => void;
  /** The view moved or zoomed (after the move ends). */
  onViewChange?: () => void;
}

export class LeafletBase {
  readonly map: L.Map;
  /** One canvas for every marker, however many. */
  readonly renderer = L.canvas({ padding: 0.5 });
  private baseMapState: BaseMapState = 'none';
  private baseLayer: L.TileLayer | null = null;
  /** The configuration the base map was made from; '' for none. */
  private baseMapKey = '';

  constructor(
    container: HTMLElement,
    private readonly options: LeafletBaseOptions,
  ) {
    this.map = L.map(container, {
      renderer: this.renderer,
      preferCanvas: true,
      // Tiles fading in repaint every tile each frame for a quarter of a second, as the points draw.
      fadeAnimation: false,
      worldCopyJump: true,
      maxZoom: DEFAULT_MAX_ZOOM,
    });
    this.map.attributionControl.setPrefix(false);
    L.control.scale().addTo(this.map);
    // No maxZoom of its own: the grid goes as deep as the map does.
    new GridLayer({ zIndex: 0 }).addTo(this.map);
    this.setBaseMap(options.baseMap);
    this.map.on('moveend', () => options.onViewChange?.());
  }

  /**
   * Shows this tile server's base map, replacing the one shown; null for
   * none. The configuration may arrive after the map opened (reference data
   * not yet on the device) or change with a refresh.
   */
  setBaseMap(config: BaseMapConfig | null): void {
    const key = config
      ? JSON.stringify([config.tileUrl, config.attribution, config.maxZoom, config.subdomains])
      : '';
    if (key === this.baseMapKey) return;
    this.baseMapKey = key;
    this.baseLayer?.remove();
    this.baseLayer = null;
    this.map.setMaxZoom(config?.maxZoom ?? DEFAULT_MAX_ZOOM);
    if (config) this.baseLayer = this.addBaseMap(config);
    else this.setBaseMapState('none');
  }

  private addBaseMap(config: BaseMapConfig): L.TileLayer {
    const tiles = L.tileLayer(config.tileUrl, {
      attribution: escapeHtml(config.attribution),
      maxZoom: config.maxZoom,
      subdomains: config.subdomains,
      // Anonymous CORS: the worker can then read and keep the tiles (opaque ones cost megabytes of quota each).
      crossOrigin: 'anonymous',
      zIndex: 1,
    });
    let loaded = 0;
    let failed = 0;
    tiles.on('loading', () => {
      loaded = 0;
      failed = 0;
      if (this.baseMapState !== 'shown') this.setBaseMapState('loading');
    });
    tiles.on('tileload', () => {
      loaded++;
      this.setBaseMapState('shown');
    });
    // A tile lost to a passing fault (a dropped connection, a 503) is asked for
    // again, twice; Leaflet alone would leave a hole until the map moves.
    const retries = new WeakMap<HTMLElement, number>();
    tiles.on('tileerror', (e: L.TileErrorEvent) => {
      const tile = e.tile as HTMLImageElement;
      const tried = retries.get(tile) ?? 0;
      if (tried >= TILE_RETRIES || !navigator.onLine) {
        failed++;
        return;
      }
      retries.set(tile, tried + 1);
      setTimeout(
        () => {
          if (tile.isConnected) tile.src = tiles.getTileUrl(e.coords);
        },
        TILE_RETRY_MS * (tried + 1),
      );
    });
    tiles.on('load', () => this.setBaseMapState(loaded > 0 || failed === 0 ? 'shown' : 'unavailable'));
    tiles.addTo(this.map);
    return tiles;
  }

  private setBaseMapState(state: BaseMapState): void {
    if (state === this.baseMapState) return;
    this.baseMapState = state;
    this.options.onBaseMapState(state);
  }
}

/** Leaflet puts attribution in as HTML; the configured text is shown as text. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
