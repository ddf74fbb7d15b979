/**
 * The Leaflet side of the map screen. Loaded on demand: nothing imports this
 * statically, so the capture screens' bundle does not carry Leaflet.
 */
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import leafletCss from 'leaflet/dist/leaflet.css?inline';
import type { StoredSubmission, SubmissionStatus } from '../../shared/outbox.js';
import { MARKER_STYLE } from './status-style.js';

/** Leaflet's stylesheet, built once, for a shadow root to adopt. */
export const leafletSheet = new CSSStyleSheet();
leafletSheet.replaceSync(leafletCss);

/** What a test (or a debugger) can read about a marker without looking at pixels. */
export interface MarkerInfo {
  id: string;
  status: SubmissionStatus;
  color: string;
  radius: number;
  /** Leaflet's id of the layer: stays the same while the marker is restyled. */
  layerId: number;
}

interface Entry {
  marker: L.CircleMarker;
  status: SubmissionStatus;
}

/**
 * Submissions as circle markers on one shared canvas renderer: a single
 * <canvas> however many points, so thousands of them stay cheap. Markers are
 * kept by submission id and patched in place when a submission changes.
 */
export class SubmissionMap {
  private readonly map: L.Map;
  private readonly renderer = L.canvas({ padding: 0.5 });
  private readonly entries = new Map<string, Entry>();

  /** popup builds the content shown when a marker is tapped, from the latest record. */
  constructor(
    container: HTMLElement,
    private readonly popup: (id: string) => HTMLElement,
  ) {
    this.map = L.map(container, { renderer: this.renderer, preferCanvas: true, worldCopyJump: true });
    L.control.scale().addTo(this.map);
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
      const marker = L.circleMarker([loc.lat, loc.lon], { ...options, renderer: this.renderer });
      marker.bindPopup(() => this.popup(id));
      entry = { marker, status: sub.status };
      this.entries.set(id, entry);
    } else {
      entry.marker.setLatLng([loc.lat, loc.lon]);
      if (entry.status !== sub.status) {
        entry.marker.setStyle(options);
        entry.marker.setRadius(style.radius);
        entry.status = sub.status;
      }
      if (entry.marker.isPopupOpen()) entry.marker.setPopupContent(this.popup(id));
    }
    this.show(id, visible);
  }

  /** Puts the marker on the map or takes it off, keeping it for later. */
  show(id: string, visible: boolean): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    const shown = this.map.hasLayer(entry.marker);
    if (visible && !shown) entry.marker.addTo(this.map);
    else if (!visible && shown) entry.marker.remove();
  }

  remove(id: string): void {
    this.entries.get(id)?.marker.remove();
    this.entries.delete(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Fits the view to the markers on the map; the whole world when there are none. */
  fit(): void {
    const points = [...this.entries.values()]
      .filter((e) => this.map.hasLayer(e.marker))
      .map((e) => e.marker.getLatLng());
    if (points.length === 0) this.map.setView([20, 0], 2);
    else this.map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 16 });
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

  /** Opens a marker's popup, as a tap would. */
  openPopup(id: string): void {
    this.entries.get(id)?.marker.openPopup();
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
