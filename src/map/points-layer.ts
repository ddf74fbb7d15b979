/**
 * Many points on one canvas, drawn as one path per colour: a hundred
 * thousand take a few tens of milliseconds to draw, where as many Leaflet
 * circle markers take seconds and redraw all of them for each one added.
 * Positions are projected once (at zoom 0) and scaled for each view;
 * a tap finds the nearest point within reach.
 */
import * as L from 'leaflet/dist/leaflet-src.esm.js';

/** Web Mercator (EPSG:3857) at zoom 0, in pixels, as Leaflet projects: without an object a point. */
function project(lat: number, lon: number): { x: number; y: number } {
  const max = 85.0511287798;
  const sin = Math.sin((Math.max(-max, Math.min(max, lat)) * Math.PI) / 180);
  return {
    x: (256 * (lon + 180)) / 360,
    y: 256 * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)),
  };
}

export interface PointStyle {
  fill: string;
  stroke: string;
  radius: number;
}

/** How far from a point a tap still picks it, beyond its radius, in pixels. */
const REACH = 6;
/**
 * Beyond this many points in view, each is a square without outline: tens
 * of thousands of outlined circles cost the browser's rasteriser most of a
 * second, and at that density they only blur into each other.
 */
const OUTLINED_AT_MOST = 5000;

export class PointsLayer<K extends string> extends L.Layer {
  private canvas: HTMLCanvasElement | null = null;
  private ids: string[] = [];
  private kinds: K[] = [];
  /** x, y at zoom 0 (EPSG:3857 pixels), two per point. */
  private projected = new Float64Array(0);
  private readonly index = new Map<string, number>();
  private frame = 0;

  constructor(
    private readonly styles: Record<K, PointStyle>,
    private readonly onPick: (id: string) => void,
  ) {
    super();
  }

  /** Replaces every point. */
  setPoints(points: readonly (readonly [id: string, lat: number, lon: number, kind: K])[]): void {
    this.ids = [];
    this.kinds = [];
    this.index.clear();
    this.projected = new Float64Array(points.length * 2);
    for (const [id, lat, lon, kind] of points) this.place(id, lat, lon, kind);
    this.redraw();
  }

  /** Adds a point, or moves and restyles the one with this id. */
  put(id: string, lat: number, lon: number, kind: K): void {
    this.place(id, lat, lon, kind);
    this.redraw();
  }

  setKind(id: string, kind: K): void {
    const i = this.index.get(id);
    if (i === undefined || this.kinds[i] === kind) return;
    this.kinds[i] = kind;
    this.redraw();
  }

  /** Every point, with its kind, for tests. */
  entries(): { id: string; kind: K }[] {
    return this.ids.flatMap((id, i) => {
      const kind = this.kinds[i];
      return kind === undefined ? [] : [{ id, kind }];
    });
  }

  override onAdd(map: L.Map): this {
    const canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide');
    canvas.style.pointerEvents = 'none';
    map.getPanes().overlayPane.appendChild(canvas);
    this.canvas = canvas;
    map.on('moveend zoomend resize viewreset', this.redraw, this);
    map.on('click', this.pick, this);
    this.draw();
    return this;
  }

  override onRemove(map: L.Map): this {
    map.off('moveend zoomend resize viewreset', this.redraw, this);
    map.off('click', this.pick, this);
    cancelAnimationFrame(this.frame);
    this.canvas?.remove();
    this.canvas = null;
    return this;
  }

  private place(id: string, lat: number, lon: number, kind: K): void {
    const p = project(lat, lon);
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.kinds.push(kind);
      this.index.set(id, i);
      if (this.projected.length < (i + 1) * 2) {
        const grown = new Float64Array(Math.max(16, this.projected.length * 2));
        grown.set(this.projected);
        this.projected = grown;
      }
    }
    this.kinds[i] = kind;
    this.projected[i * 2] = p.x;
    this.projected[i * 2 + 1] = p.y;
  }

  /** Draws at the next frame, once however many changes came before it. */
  redraw(): void {
    if (!this.canvas || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** The view's offset and scale: a point's container position is its projection times scale, less min. */
  private view(map: L.Map): { scale: number; minX: number; minY: number } {
    const scale = 2 ** map.getZoom();
    const { min } = map.getPixelBounds();
    return { scale, minX: min?.x ?? 0, minY: min?.y ?? 0 };
  }

  private draw(): void {
    const map = this._map as L.Map | undefined;
    const canvas = this.canvas;
    if (!map || !canvas) return;
    const size = map.getSize();
    const ratio = window.devicePixelRatio || 1;
    canvas.width = size.x * ratio;
    canvas.height = size.y * ratio;
    canvas.style.width = `${size.x}px`;
    canvas.style.height = `${size.y}px`;
    L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    const g = canvas.getContext('2d');
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const { scale, minX, minY } = this.view(map);
    // First the points in view, then one path per kind: circles while few, squares (far cheaper
    // to rasterise, and alike at that size) when dense.
    const visible: number[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      const kind = this.kinds[i];
      if (kind === undefined) continue;
      const { radius } = this.styles[kind];
      const x = (this.projected[i * 2] ?? 0) * scale - minX;
      const y = (this.projected[i * 2 + 1] ?? 0) * scale - minY;
      if (x < -radius || y < -radius || x > size.x + radius || y > size.y + radius) continue;
      visible.push(i, x, y);
    }
    const inView = visible.length / 3;
    const dense = inView > OUTLINED_AT_MOST;
    const paths = new Map<K, Path2D>();
    for (let v = 0; v < visible.length; v += 3) {
      const kind = this.kinds[visible[v] ?? -1];
      if (kind === undefined) continue;
      const { radius } = this.styles[kind];
      const x = visible[v + 1] ?? 0;
      const y = visible[v + 2] ?? 0;
      let path = paths.get(kind);
      if (!path) paths.set(kind, (path = new Path2D()));
      if (dense) {
        path.rect(Math.round(x - radius + 1), Math.round(y - radius + 1), 2 * radius - 2, 2 * radius - 2);
      } else {
        path.moveTo(x + radius, y);
        path.arc(x, y, radius, 0, Math.PI * 2);
      }
    }
    for (const [kind, path] of paths) {
      const { fill, stroke } = this.styles[kind];
      g.fillStyle = fill;
      g.fill(path);
      if (dense) continue;
      g.strokeStyle = stroke;
      g.lineWidth = 1;
      g.stroke(path);
    }
  }

  private pick(e: L.LeafletMouseEvent): void {
    const map = this._map as L.Map | undefined;
    if (!map) return;
    const { scale, minX, minY } = this.view(map);
    let best = -1;
    let bestDistance = Infinity;
    for (let i = 0; i < this.ids.length; i++) {
      const dx = (this.projected[i * 2] ?? 0) * scale - minX - e.containerPoint.x;
      const dy = (this.projected[i * 2 + 1] ?? 0) * scale - minY - e.containerPoint.y;
      const d = dx * dx + dy * dy;
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    const kind = this.kinds[best];
    const id = this.ids[best];
    if (kind === undefined || id === undefined) return;
    const reach = this.styles[kind].radius + REACH;
    if (bestDistance <= reach * reach) this.onPick(id);
  }
}
