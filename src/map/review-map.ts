/**
 * The Leaflet side of the review map: the filtered submissions as points
 * coloured by review state (one canvas layer, PointsLayer), and the submissions still on devices (from
 * their outbox reports) as dashed, hollow "ghosts" where they were
 * captured. Loaded on demand with Leaflet.
 */
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import type { BaseMapConfig } from '../../shared/base-map.js';
import type { DeviceOutbox } from '../../shared/live.js';
import { REVIEW_STATES, type ReviewPoint, type ReviewState } from '../../shared/review.js';
import { REVIEW_STATE_COLOR } from '../styles/review-states.js';
import { LeafletBase, type BaseMapState } from './leaflet-base.js';
import { PointsLayer, type PointStyle } from './points-layer.js';

export { leafletSheet } from './leaflet-base.js';

const GHOST: L.CircleMarkerOptions = {
  radius: 7,
  color: '#4a5557',
  weight: 2,
  dashArray: '3 3',
  fill: false,
};

const FIT: L.FitBoundsOptions = { padding: [24, 24], maxZoom: 16 };

/** The box around the points, found in one pass. */
function boundsOf(points: readonly ReviewPoint[]): L.LatLngBounds {
  let [south, west, north, east] = [90, 180, -90, -180];
  for (const [, lat, lon] of points) {
    if (lat < south) south = lat;
    if (lat > north) north = lat;
    if (lon < west) west = lon;
    if (lon > east) east = lon;
  }
  return L.latLngBounds([south, west], [north, east]);
}

export interface ReviewMapOptions {
  baseMap: BaseMapConfig | null;
  onBaseMapState: (state: BaseMapState) => void;
  /** A point was tapped: show that submission. */
  onSelect: (id: string) => void;
}

export class ReviewMap {
  private readonly base: LeafletBase;
  private readonly points: PointsLayer<ReviewState>;
  private readonly ghosts = L.layerGroup();

  constructor(container: HTMLElement, options: ReviewMapOptions) {
    this.base = new LeafletBase(container, options);
    const styles = Object.fromEntries(
      REVIEW_STATES.map((st) => [st, { fill: REVIEW_STATE_COLOR[st], stroke: '#fff', radius: 6 }]),
    ) as Record<ReviewState, PointStyle>;
    this.points = new PointsLayer(styles, options.onSelect);
    this.points.addTo(this.base.map);
    this.ghosts.addTo(this.base.map);
    this.base.map.setView([20, 0], 2);
  }

  setBaseMap(config: BaseMapConfig | null): void {
    this.base.setBaseMap(config);
  }

  /** Replaces the points with these, fitting the view to them. */
  setPoints(points: readonly ReviewPoint[]): void {
    if (points.length) this.base.map.fitBounds(boundsOf(points), FIT);
    this.points.setPoints(points);
  }

  /** One more point (a submission arrived), or one moved or restyled. */
  add([id, lat, lon, state]: ReviewPoint): void {
    this.points.put(id, lat, lon, state);
  }

  setState(id: string, state: ReviewState): void {
    this.points.setKind(id, state);
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
      points: this.points
        .entries()
        .map(({ id, kind }) => ({ id, state: kind, color: REVIEW_STATE_COLOR[kind] })),
      ghosts: this.ghosts.getLayers().length,
    };
  }

  resize(): void {
    this.base.map.invalidateSize();
  }

  destroy(): void {
    this.base.map.remove();
  }
}
