/**
 * The Leaflet side of the review map: the filtered submissions as points
 * coloured by review state, and the submissions still on devices (from
 * their outbox reports) as dashed, hollow "ghosts" where they were
 * captured. Loaded on demand with Leaflet.
 */
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import type { BaseMapConfig } from '../../shared/base-map.js';
import type { DeviceOutbox } from '../../shared/live.js';
import { REVIEW_STATE_LABEL, type ReviewPoint, type ReviewState } from '../../shared/review.js';
import { REVIEW_STATE_COLOR } from '../styles/review-states.js';
import { LeafletBase, type BaseMapState } from './leaflet-base.js';

export { leafletSheet } from './leaflet-base.js';

const GHOST: L.CircleMarkerOptions = {
  radius: 7,
  color: '#4a5557',
  weight: 2,
  dashArray: '3 3',
  fill: false,
};

const FIT: L.FitBoundsOptions = { padding: [24, 24], maxZoom: 16 };
/** Points added per task, so a hundred thousand never hold the main thread for long. */
const SLICE = 2000;

function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface ReviewMapOptions {
  baseMap: BaseMapConfig | null;
  onBaseMapState: (state: BaseMapState) => void;
  /** A point was tapped: show that submission. */
  onSelect: (id: string) => void;
}

export class ReviewMap {
  private readonly base: LeafletBase;
  private readonly points = new Map<string, { marker: L.CircleMarker; state: ReviewState }>();
  private readonly layer = L.layerGroup();
  private readonly ghosts = L.layerGroup();
  /** Each drawing's number: a newer one stops an older one between slices. */
  private drawing = 0;

  constructor(
    container: HTMLElement,
    private readonly options: ReviewMapOptions,
  ) {
    this.base = new LeafletBase(container, options);
    this.layer.addTo(this.base.map);
    this.ghosts.addTo(this.base.map);
    this.base.map.setView([20, 0], 2);
  }

  setBaseMap(config: BaseMapConfig | null): void {
    this.base.setBaseMap(config);
  }

  /** Replaces the points with these, fitting the view to them; resolves once all are drawn (or replaced). */
  async setPoints(points: readonly ReviewPoint[]): Promise<void> {
    const drawing = ++this.drawing;
    this.layer.clearLayers();
    this.points.clear();
    if (points.length) this.base.map.fitBounds(L.latLngBounds(points.map((p) => [p[1], p[2]])), FIT);
    for (let i = 0; i < points.length; i += SLICE) {
      if (i > 0) await yieldToMain();
      if (drawing !== this.drawing) return;
      for (const p of points.slice(i, i + SLICE)) this.add(p);
    }
  }

  /** One more point (a submission arrived), or one moved or restyled. */
  add([id, lat, lon, state]: ReviewPoint): void {
    const held = this.points.get(id);
    if (held) {
      held.marker.setLatLng([lat, lon]);
      this.setState(id, state);
      return;
    }
    const marker = L.circleMarker([lat, lon], {
      renderer: this.base.renderer,
      radius: 6,
      weight: 1,
      color: '#fff',
      fillColor: REVIEW_STATE_COLOR[state],
      fillOpacity: 0.9,
    });
    marker.on('click', () => this.options.onSelect(id));
    marker.bindTooltip(REVIEW_STATE_LABEL[state]);
    marker.addTo(this.layer);
    this.points.set(id, { marker, state });
  }

  setState(id: string, state: ReviewState): void {
    const held = this.points.get(id);
    if (!held || held.state === state) return;
    held.state = state;
    held.marker.setStyle({ fillColor: REVIEW_STATE_COLOR[state] });
    held.marker.setTooltipContent(REVIEW_STATE_LABEL[state]);
  }

  /** The submissions still on devices, where they were captured. */
  setGhosts(devices: readonly DeviceOutbox[]): void {
    this.ghosts.clearLayers();
    for (const d of devices) {
      for (const item of d.items) {
        if (!item.location) continue;
        const ghost = L.circleMarker([item.location.latitude, item.location.longitude], {
          ...GHOST,
          renderer: this.base.renderer,
        });
        // Text, not markup: a device's name is typed by people.
        const tip = document.createElement('span');
        tip.textContent = `Still on ${d.deviceName}: captured ${new Date(item.capturedAt).toLocaleString()}, not received yet`;
        ghost.bindTooltip(tip);
        ghost.addTo(this.ghosts);
      }
    }
  }

  /** What tests (and a debugger) read instead of pixels. */
  drawn(): { points: { id: string; state: ReviewState; color: string }[]; ghosts: number } {
    return {
      points: [...this.points].map(([id, p]) => ({
        id,
        state: p.state,
        color: p.marker.options.fillColor ?? '',
      })),
      ghosts: this.ghosts.getLayers().length,
    };
  }

  resize(): void {
    this.base.map.invalidateSize();
  }

  destroy(): void {
    this.drawing++;
    this.base.map.remove();
    this.points.clear();
  }
}
