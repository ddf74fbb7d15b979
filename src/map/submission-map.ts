/**
 * The Leaflet side of the map screen. Loaded on demand: nothing imports this
 * statically, so the capture screens' bundle does not carry Leaflet.
 */
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import type { BaseMapConfig, LatLonBounds } from '../../shared/base-map.js';
import type { SubmissionStatus } from '../../shared/outbox.js';
import type { OutboxEntry } from '../core/outbox-index.js';
import { LeafletBase, type BaseMapState } from './leaflet-base.js';
import { PointsLayer, type PointStyle } from './points-layer.js';
import { FAR_PHOTO_METRES, PHOTO_STYLE, MARKER_STYLE, STATUSES } from './status-style.js';

export { leafletSheet, type BaseMapState } from './leaflet-base.js';

/** What a test (or a debugger) can read about a marker without looking at pixels. */
export interface MarkerInfo {
  id: string;
  status: SubmissionStatus;
  color: string;
  radius: number;
  /** The marker's number: stays the same while the marker is moved or restyled. */
  layerId: number;
}

/** A photo's geotag marker, linked to its submission. */
export interface PhotoMarkerInfo {
  submissionId: string;
  sha256: string;
  /** Metres from the submission's location. */
  distance: number;
  far: boolean;
}

interface Photo {
  marker: L.CircleMarker;
  link: L.Polyline;
  info: PhotoMarkerInfo;
}

interface Entry {
  lat: number;
  lon: number;
  status: SubmissionStatus;
  /** Given once, kept for the marker's life. */
  number: number;
  photos: Photo[];
  /** Location and photo hashes the photo markers were drawn for. */
  photoKey: string;
  visible: boolean;
}

export interface SubmissionMapOptions {
  baseMap: BaseMapConfig | null;
  /** Builds what a tapped marker shows, from the latest record. */
  popup: (id: string) => HTMLElement;
  onBaseMapState: (state: BaseMapState) => void;
  /** The view moved or zoomed (after the move ends). */
  onViewChange: () => void;
}

const FIT: L.FitBoundsOptions = { padding: [24, 24], maxZoom: 16 };

/** Least urgent first, so what needs attention is drawn on top. */
const STYLES = Object.fromEntries(
  [...STATUSES].reverse().map((status) => {
    const st = MARKER_STYLE[status];
    const style: PointStyle = {
      fill: st.color,
      stroke: st.color,
      radius: st.radius,
      weight: st.weight,
      dash: st.dashArray?.split(' ').map(Number),
      fillOpacity: st.fillOpacity,
    };
    return [status, style];
  }),
) as Record<SubmissionStatus, PointStyle>;

/**
 * Submissions as points on one canvas layer (PointsLayer): a single <canvas>
 * each status stamped from one drawing of it, however many points. Points are kept by
 * submission id and patched in place when a submission changes; a tap opens
 * the popup of the point under it.
 */
export class SubmissionMap {
  private readonly base: LeafletBase;
  private readonly map: L.Map;
  private readonly points: PointsLayer<SubmissionStatus>;
  private readonly entries = new Map<string, Entry>();
  /** Popups pan clear of the zoom buttons and stay narrow enough to fit beside them on a 320 px screen. */
  private readonly popupOptions: L.PopupOptions;
  /** The popup open now, and whose it is. */
  private popup: { id: string; layer: L.Popup } | null = null;
  private showPhotos = false;
  private numbers = 0;

  constructor(
    container: HTMLElement,
    private readonly options: SubmissionMapOptions,
  ) {
    // Room left of the zoom buttons (56 px) and the popup's own padding (44 px), within 160 to 280 px.
    const room = container.clientWidth - 56 - 10 - 44;
    this.popupOptions = {
      maxWidth: Math.max(160, Math.min(280, room)),
      autoPanPaddingTopLeft: [56, 10],
      autoPanPaddingBottomRight: [10, 10],
    };
    this.base = new LeafletBase(container, options);
    this.map = this.base.map;
    // Outlines and shapes tell statuses apart: never the plain squares of a dense review map.
    this.points = new PointsLayer(STYLES, (id) => this.openPopup(id), { denseAbove: Infinity });
    this.points.addTo(this.map);
    this.map.on('popupclose', (e: L.PopupEvent) => {
      if (e.popup === this.popup?.layer) this.popup = null;
    });
  }

  /** Shows this tile server's base map, replacing the one shown; null for none. */
  setBaseMap(config: BaseMapConfig | null): void {
    this.base.setBaseMap(config);
  }

  /** Adds, moves or restyles the submission's marker; removes it if it has no location. */
  put(sub: OutboxEntry, visible: boolean): void {
    this.place(sub, visible);
    if (this.popup?.id === sub.id) this.popup.layer.setContent(this.options.popup(sub.id));
  }

  private place(sub: OutboxEntry, visible: boolean): void {
    const loc = sub.location;
    const id = sub.id;
    if (!loc) {
      this.remove(id);
      return;
    }
    let entry = this.entries.get(id);
    if (!entry) {
      entry = {
        lat: loc.lat,
        lon: loc.lon,
        status: sub.status,
        number: ++this.numbers,
        photos: [],
        photoKey: '',
        visible,
      };
      this.entries.set(id, entry);
    } else {
      entry.lat = loc.lat;
      entry.lon = loc.lon;
      entry.status = sub.status;
    }
    this.points.put(id, loc.lat, loc.lon, sub.status);
    this.setPhotos(entry, sub);
    this.show(id, visible);
  }

  /** The photos' geotags as small markers, each linked to the record by a line; far ones stand out. */
  private setPhotos(entry: Entry, sub: OutboxEntry): void {
    const wanted = sub.photos.flatMap((p) => (p.geotag ? [{ sha256: p.sha256, geotag: p.geotag }] : []));
    // Most records have no geotagged photo: nothing to compare or build.
    if (!wanted.length && !entry.photos.length) return;
    const at = L.latLng(entry.lat, entry.lon);
    const key = `${at.lat},${at.lng}|${wanted.map((p) => p.sha256).join()}`;
    if (key === entry.photoKey) return;
    entry.photoKey = key;
    for (const p of entry.photos) {
      p.marker.remove();
      p.link.remove();
    }
    entry.photos = wanted.map((p) => {
      const where = L.latLng(p.geotag.lat, p.geotag.lon);
      const distance = at.distanceTo(where);
      const far = distance > FAR_PHOTO_METRES;
      const style = far ? PHOTO_STYLE.far : PHOTO_STYLE.near;
      const marker = L.circleMarker(where, {
        ...style,
        fillColor: style.color,
        renderer: this.base.renderer,
        // A tap here is this marker's alone: not also a tap on a submission's point beneath.
        bubblingMouseEvents: false,
      });
      marker.bindPopup(() => this.options.popup(sub.id), this.popupOptions);
      const link = L.polyline([at, where], {
        color: style.color,
        weight: far ? 2 : 1,
        dashArray: '4 4',
        renderer: this.base.renderer,
        interactive: false,
      });
      return { marker, link, info: { submissionId: sub.id, sha256: p.sha256, distance, far } };
    });
  }

  /** Shows the marker (and its photos, when asked for) or hides them, keeping them for later. */
  show(id: string, visible: boolean): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.visible = visible;
    this.points.setShown(id, visible);
    for (const p of entry.photos) {
      toggle(this.map, p.link, visible && this.showPhotos);
      toggle(this.map, p.marker, visible && this.showPhotos);
    }
  }

  /** Shows or hides where the photos were taken. */
  setShowPhotos(on: boolean): void {
    this.showPhotos = on;
    for (const [id, entry] of this.entries) if (entry.photos.length) this.show(id, entry.visible);
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.points.delete(id);
    for (const p of entry.photos) {
      p.marker.remove();
      p.link.remove();
    }
    this.entries.delete(id);
    if (this.popup?.id === id) this.map.closePopup(this.popup.layer);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Places a batch of submissions; fit() first sets the view, so the points join a map that is ready. */
  putAll(subs: readonly OutboxEntry[], visible: (s: OutboxEntry) => boolean): void {
    for (const s of subs) this.place(s, visible(s));
  }

  /**
   * Fits the view to the shown locations of these submissions, or shows the
   * whole world when none has one (then returns false). Apart from
   * putAll, so that a caller can fit and place thousands in separate tasks.
   */
  fit(subs: readonly OutboxEntry[], visible: (s: OutboxEntry) => boolean): boolean {
    // The box around the shown locations, in one pass and without a LatLng each.
    let [south, west, north, east] = [90, 180, -90, -180];
    for (const s of subs) {
      const loc = s.location;
      if (!loc || !visible(s)) continue;
      south = Math.min(south, loc.lat);
      north = Math.max(north, loc.lat);
      west = Math.min(west, loc.lon);
      east = Math.max(east, loc.lon);
    }
    const found = south <= north;
    if (found) this.map.fitBounds(L.latLngBounds([south, west], [north, east]), FIT);
    else this.world();
    return found;
  }

  /** Centres on a place, e.g. the device's position when there is nothing to fit. */
  centre(lat: number, lon: number, zoom: number): void {
    this.map.setView([lat, lon], zoom);
  }

  /** A view of the whole world. */
  world(): void {
    this.map.setView([20, 0], 2);
  }

  /** What the map shows now, for saving the area offline. */
  view(): { bounds: LatLonBounds; zoom: number } {
    const b = this.map.getBounds();
    // Beyond ±180° is the same world again: keep the area to one copy.
    const west = Math.max(-180, b.getWest());
    const east = Math.min(180, b.getEast());
    return {
      bounds: { south: b.getSouth(), west, north: b.getNorth(), east },
      zoom: Math.round(this.map.getZoom()),
    };
  }

  /** The markers on the map now (shown by the filters, in view or not). */
  markers(): MarkerInfo[] {
    return [...this.entries]
      .filter(([, e]) => e.visible)
      .map(([id, e]) => ({
        id,
        status: e.status,
        color: MARKER_STYLE[e.status].color,
        radius: MARKER_STYLE[e.status].radius,
        layerId: e.number,
      }));
  }

  /** Resolves once the canvas shows every change made so far. */
  drawn(): Promise<void> {
    return this.points.drawn();
  }

  /** How many points of each status the last drawing put on the canvas. */
  drawnCounts(): Partial<Record<SubmissionStatus, number>> {
    return this.points.drawnCounts();
  }

  /** Where a submission's point is in the map's container, as a tap on it would be. */
  containerPointOf(id: string): { x: number; y: number } | null {
    const e = this.entries.get(id);
    return e ? this.map.latLngToContainerPoint([e.lat, e.lon]) : null;
  }

  /** The photo markers on the map now. */
  photoMarkers(): PhotoMarkerInfo[] {
    return [...this.entries.values()].flatMap((e) =>
      e.photos.filter((p) => this.map.hasLayer(p.marker)).map((p) => p.info),
    );
  }

  /** Builds an open popup's content again, e.g. once the forms' titles are known. */
  refreshPopups(): void {
    if (this.popup) this.popup.layer.setContent(this.options.popup(this.popup.id));
    for (const [id, entry] of this.entries) {
      for (const p of entry.photos) {
        if (p.marker.isPopupOpen()) p.marker.setPopupContent(this.options.popup(id));
      }
    }
  }

  /** Opens a marker's popup, as a tap on it does. */
  openPopup(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    const layer = L.popup(this.popupOptions)
      .setLatLng([entry.lat, entry.lon])
      .setContent(this.options.popup(id));
    // Set before opening: opening closes the previous popup, and its 'popupclose' must not clear this one.
    this.popup = { id, layer };
    layer.openOn(this.map);
  }

  /** The map's container changed size (it was hidden, or the layout moved). */
  resize(): void {
    this.map.invalidateSize();
  }

  destroy(): void {
    this.map.remove();
    this.entries.clear();
  }
}

function toggle(map: L.Map, layer: L.Layer, on: boolean): void {
  const shown = map.hasLayer(layer);
  if (on && !shown) layer.addTo(map);
  else if (!on && shown) layer.remove();
}
