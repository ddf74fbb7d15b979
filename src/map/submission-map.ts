/**
 * The Leaflet side of the map screen. Loaded on demand: nothing imports this
 * statically, so the capture screens' bundle does not carry Leaflet.
 */
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import type { BaseMapConfig, LatLonBounds } from '../../shared/base-map.js';
import type { StoredSubmission, SubmissionStatus } from '../../shared/outbox.js';
import { LeafletBase, type BaseMapState } from './leaflet-base.js';
import { FAR_PHOTO_METRES, PHOTO_STYLE, MARKER_STYLE } from './status-style.js';

export { leafletSheet, type BaseMapState } from './leaflet-base.js';

/** What a test (or a debugger) can read about a marker without looking at pixels. */
export interface MarkerInfo {
  id: string;
  status: SubmissionStatus;
  color: string;
  radius: number;
  /** Leaflet's id of the layer: stays the same while the marker is restyled. */
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
  marker: L.CircleMarker;
  status: SubmissionStatus;
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
/** Markers added per task while drawing the first time: about 30 ms each on a laptop core. */
const SLICE = 1000;

/** Lets input and rendering run between slices of work. */
function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Submissions as circle markers on one shared canvas renderer: a single
 * <canvas> however many points, so thousands of them stay cheap. Markers are
 * kept by submission id and patched in place when a submission changes.
 */
export class SubmissionMap {
  private readonly base: LeafletBase;
  private readonly map: L.Map;
  private readonly entries = new Map<string, Entry>();
  /** Popups pan clear of the zoom buttons and stay narrow enough to fit beside them on a 320 px screen. */
  private readonly popupOptions: L.PopupOptions;
  private showPhotos = false;
  private destroyed = false;

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
  }

  /** Shows this tile server's base map, replacing the one shown; null for none. */
  setBaseMap(config: BaseMapConfig | null): void {
    this.base.setBaseMap(config);
  }

  /** Adds, moves or restyles the submission's marker; removes it if it has no location. */
  put(sub: StoredSubmission, visible: boolean): void {
    const loc = sub.payload.location;
    const id = sub.payload.id;
    if (!loc) {
      this.remove(id);
      return;
    }
    const style = MARKER_STYLE[sub.status];
    const options = { ...style, fillColor: style.color };
    let entry = this.entries.get(id);
    if (!entry) {
      const marker = L.circleMarker([loc.lat, loc.lon], { ...options, renderer: this.base.renderer });
      marker.bindPopup(() => this.options.popup(id), this.popupOptions);
      entry = { marker, status: sub.status, photos: [], photoKey: '', visible: false };
      this.entries.set(id, entry);
    } else {
      entry.marker.setLatLng([loc.lat, loc.lon]);
      if (entry.status !== sub.status) {
        entry.marker.setStyle(options);
        entry.marker.setRadius(style.radius);
        entry.status = sub.status;
      }
      if (entry.marker.isPopupOpen()) entry.marker.setPopupContent(this.options.popup(id));
    }
    this.setPhotos(entry, sub);
    this.show(id, visible);
  }

  /** The photos' geotags as small markers, each linked to the record by a line; far ones stand out. */
  private setPhotos(entry: Entry, sub: StoredSubmission): void {
    const wanted = sub.payload.photos.flatMap((p) =>
      p.geotag ? [{ sha256: p.sha256, geotag: p.geotag }] : [],
    );
    const at = entry.marker.getLatLng();
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
      });
      marker.bindPopup(() => this.options.popup(sub.payload.id), this.popupOptions);
      const link = L.polyline([at, where], {
        color: style.color,
        weight: far ? 2 : 1,
        dashArray: '4 4',
        renderer: this.base.renderer,
        interactive: false,
      });
      return { marker, link, info: { submissionId: sub.payload.id, sha256: p.sha256, distance, far } };
    });
  }

  /** Puts the marker (and its photos, when shown) on the map or takes them off, keeping them for later. */
  show(id: string, visible: boolean): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.visible = visible;
    toggle(this.map, entry.marker, visible);
    for (const p of entry.photos) {
      toggle(this.map, p.link, visible && this.showPhotos);
      toggle(this.map, p.marker, visible && this.showPhotos);
    }
  }

  /** Shows or hides where the photos were taken. */
  setShowPhotos(on: boolean): void {
    this.showPhotos = on;
    for (const [id, entry] of this.entries) this.show(id, entry.visible);
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.marker.remove();
    for (const p of entry.photos) {
      p.marker.remove();
      p.link.remove();
    }
    this.entries.delete(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Draws the submissions the first time. The view is set from the data
   * first, so markers join a map that is ready instead of each waiting for
   * its 'load'; they are then added a slice at a time, yielding between
   * slices, so thousands of them never hold the main thread for long.
   * Resolves to false when no shown submission has a location to fit.
   */
  async putAll(
    subs: readonly StoredSubmission[],
    visible: (s: StoredSubmission) => boolean,
  ): Promise<boolean> {
    const points = subs.flatMap((s) =>
      s.payload.location && visible(s) ? [L.latLng(s.payload.location.lat, s.payload.location.lon)] : [],
    );
    if (points.length) this.map.fitBounds(L.latLngBounds(points), FIT);
    else this.world();
    for (let i = 0; i < subs.length; i += SLICE) {
      if (i > 0) await yieldToMain();
      // The screen may have been left meanwhile.
      if (this.destroyed) return false;
      for (const s of subs.slice(i, i + SLICE)) this.put(s, visible(s));
    }
    return points.length > 0;
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

  /** The markers on the map now. */
  markers(): MarkerInfo[] {
    return [...this.entries]
      .filter(([, e]) => this.map.hasLayer(e.marker))
      .map(([id, e]) => ({
        id,
        status: e.status,
        color: e.marker.options.color ?? '',
        radius: e.marker.getRadius(),
        layerId: L.stamp(e.marker),
      }));
  }

  /** The photo markers on the map now. */
  photoMarkers(): PhotoMarkerInfo[] {
    return [...this.entries.values()].flatMap((e) =>
      e.photos.filter((p) => this.map.hasLayer(p.marker)).map((p) => p.info),
    );
  }

  /** Builds an open popup's content again, e.g. once the forms' titles are known. */
  refreshPopups(): void {
    for (const [id, entry] of this.entries) {
      for (const marker of [entry.marker, ...entry.photos.map((p) => p.marker)]) {
        if (marker.isPopupOpen()) marker.setPopupContent(this.options.popup(id));
      }
    }
  }

  /** Opens a marker's popup, as a tap would. */
  openPopup(id: string): void {
    this.entries.get(id)?.marker.openPopup();
  }

  /** The map's container changed size (it was hidden, or the layout moved). */
  resize(): void {
    this.map.invalidateSize();
  }

  destroy(): void {
    this.destroyed = true;
    this.map.remove();
    this.entries.clear();
  }
}

function toggle(map: L.Map, layer: L.Layer, on: boolean): void {
  const shown = map.hasLayer(layer);
  if (on && !shown) layer.addTo(map);
  else if (!on && shown) layer.remove();
}
