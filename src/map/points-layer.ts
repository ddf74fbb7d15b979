/**
 * Many points on one canvas, each stamped from one drawing of its kind (or,
 * when dense, as squares in one path per kind): a hundred thousand take a
 * few tens of milliseconds to draw, where as many Leaflet circle
 * markers take seconds and re-project every one at each zoom. Positions are
 * projected once (Web Mercator at zoom 0) and only scaled and shifted for
 * each view; a tap is looked up in a grid of what was last drawn.
 */
import { nextTask } from '../core/next-task.js';
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import { HitGrid } from './hit-grid.js';
import { paintSquares, spriteOf, type PointStyle } from './point-sprites.js';

export type { PointStyle } from './point-sprites.js';

/** Web Mercator (EPSG:3857) at zoom 0, in pixels, as Leaflet projects. */
function projectX(lon: number): number {
  return (256 * (lon + 180)) / 360;
}
function projectY(lat: number): number {
  const max = 85.0511287798;
  const sin = Math.sin((Math.max(-max, Math.min(max, lat)) * Math.PI) / 180);
  return 256 * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
}

export interface PointsLayerOptions {
  /**
   * Beyond this many points in view, each is a square without outline: tens
   * of thousands of outlined circles cost the browser's rasteriser most of a
   * second, and at that density they only blur into each other.
   */
  denseAbove?: number;
}

/** How far from a point a tap still picks it, beyond its radius, in pixels. */
const REACH = 6;
/** Drawn beyond each edge of the view, as a share of its size, so a drag shows points before it ends. */
const PADDING = 0.5;
/**
 * A drawing of thousands of points is made in slices of about this many
 * milliseconds, each its own task, so no tap or frame waits on all of it.
 */
const SLICE_MS = 12;

export class PointsLayer<K extends string> extends L.Layer {
  private canvas: HTMLCanvasElement | null = null;
  /** Kinds in drawing order: later ones are drawn over earlier ones. */
  private readonly kindList: K[];
  private readonly kindOf = new Map<K, number>();
  private readonly denseAbove: number;
  private ids: string[] = [];
  /** Per point: its kind's place in kindList, whether shown, x and y at zoom 0 (two per point). */
  private kinds = new Uint8Array(0);
  private shown = new Uint8Array(0);
  private projected = new Float64Array(0);
  private readonly index = new Map<string, number>();
  /** A drawing is due: the timer that starts it, 0 when none. */
  private due = 0;
  /** Counts drawings begun: a drawing under way stops when a later one has begun or the view moved. */
  private generation = 0;
  /** A drawing is under way, sliced; `again` when the points changed meanwhile. */
  private drawing: { again: boolean } | null = null;
  /** Waiting for the drawing to catch up with the points and the view. */
  private waiters: (() => void)[] = [];
  private grid = new HitGrid(0, 0, 0, 0, 0);
  /** The ids as they were when the grid was made: a point deleted since moves another into its place. */
  private gridIds: string[] = [];
  private counts: number[] = [];
  /** The view of the last drawing, to place and scale the canvas while a zoom animates. */
  private drawnAt: { center: L.LatLng; zoom: number } | null = null;

  constructor(
    private readonly styles: Record<K, PointStyle>,
    private readonly onPick: (id: string) => void,
    options: PointsLayerOptions = {},
  ) {
    super();
    this.kindList = Object.keys(styles) as K[];
    this.kindList.forEach((k, i) => this.kindOf.set(k, i));
    this.denseAbove = options.denseAbove ?? 5000;
  }

  /** Replaces every point. */
  setPoints(points: readonly (readonly [id: string, lat: number, lon: number, kind: K])[]): void {
    this.ids = [];
    this.index.clear();
    this.grow(points.length);
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
    const k = this.kindOf.get(kind);
    if (i === undefined || k === undefined || this.kinds[i] === k) return;
    this.kinds[i] = k;
    this.redraw();
  }

  /** Hides a point (it is kept, neither drawn nor tappable) or shows it again. */
  setShown(id: string, shown: boolean): void {
    const i = this.index.get(id);
    if (i === undefined || this.shown[i] === Number(shown)) return;
    this.shown[i] = Number(shown);
    this.redraw();
  }

  /** Takes a point away for good; the last point moves into its place. */
  delete(id: string): void {
    const i = this.index.get(id);
    if (i === undefined) return;
    const last = this.ids.length - 1;
    const lastId = this.ids[last];
    if (i !== last && lastId !== undefined) {
      this.ids[i] = lastId;
      this.index.set(lastId, i);
      this.kinds[i] = this.kinds[last] ?? 0;
      this.shown[i] = this.shown[last] ?? 0;
      this.projected[i * 2] = this.projected[last * 2] ?? 0;
      this.projected[i * 2 + 1] = this.projected[last * 2 + 1] ?? 0;
    }
    this.ids.pop();
    this.index.delete(id);
    this.redraw();
  }

  /** Every point, with its kind and whether shown, for tests and the screen's own lists. */
  entries(): { id: string; kind: K; shown: boolean }[] {
    return this.ids.flatMap((id, i) => {
      const kind = this.kindList[this.kinds[i] ?? -1];
      return kind === undefined ? [] : [{ id, kind, shown: this.shown[i] === 1 }];
    });
  }

  /** How many points of each kind the last drawing put on the canvas (in view and shown). */
  drawnCounts(): Partial<Record<K, number>> {
    return Object.fromEntries(this.kindList.map((k, i) => [k, this.counts[i] ?? 0])) as Partial<
      Record<K, number>
    >;
  }

  override onAdd(map: L.Map): this {
    const canvas = L.DomUtil.create('canvas', 'leaflet-zoom-animated');
    canvas.style.pointerEvents = 'none';
    map.getPanes().overlayPane.appendChild(canvas);
    this.canvas = canvas;
    map.on('moveend zoomend resize viewreset', this.viewChanged, this);
    map.on('zoomanim', this.animateZoom, this);
    map.on('click', this.pick, this);
    this.redraw();
    return this;
  }

  override onRemove(map: L.Map): this {
    map.off('moveend zoomend resize viewreset', this.viewChanged, this);
    map.off('zoomanim', this.animateZoom, this);
    map.off('click', this.pick, this);
    clearTimeout(this.due);
    this.due = 0;
    this.generation++;
    this.drawing = null;
    this.settle();
    this.canvas?.remove();
    this.canvas = null;
    return this;
  }

  private grow(atLeast: number): void {
    if (this.shown.length >= atLeast) return;
    const size = Math.max(16, atLeast, this.shown.length * 2);
    const kinds = new Uint8Array(size);
    const shown = new Uint8Array(size);
    const projected = new Float64Array(size * 2);
    kinds.set(this.kinds);
    shown.set(this.shown);
    projected.set(this.projected);
    [this.kinds, this.shown, this.projected] = [kinds, shown, projected];
  }

  private place(id: string, lat: number, lon: number, kind: K): void {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.grow(i + 1);
      this.ids.push(id);
      this.index.set(id, i);
      this.shown[i] = 1;
    }
    this.kinds[i] = this.kindOf.get(kind) ?? 0;
    this.projected[i * 2] = projectX(lon);
    this.projected[i * 2 + 1] = projectY(lat);
  }

  /**
   * Draws in a task of its own, once however many changes came before it;
   * after the drawing under way, if any. Not in a frame callback: a frame
   * after a zoom has Leaflet's own layout to do, and the two made one long task.
   */
  redraw(): void {
    if (!this.canvas || this.due) return;
    if (this.drawing) {
      this.drawing.again = true;
      return;
    }
    this.due = window.setTimeout(() => {
      this.due = 0;
      void this.draw();
    });
  }

  /** Resolves once what is drawn shows every change made before the call. */
  drawn(): Promise<void> {
    if (!this.canvas || (!this.due && !this.drawing)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private settle(): void {
    if (this.due || this.drawing) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** A drawing under way is for a view that is gone: it stops, and one for the new view begins. */
  private viewChanged(): void {
    this.generation++;
    this.drawing = null;
    this.redraw();
  }

  /** While a zoom animates, the last drawing is scaled about where it will be, as Leaflet's own renderer does. */
  private animateZoom(e: L.ZoomAnimEvent): void {
    const map = this._map as L.Map | undefined;
    // A drawing finished during the animation would be placed for the old zoom.
    this.generation++;
    this.drawing = null;
    if (!map || !this.canvas || !this.drawnAt) return;
    const scale = map.getZoomScale(e.zoom, this.drawnAt.zoom);
    const half = map.getSize().multiplyBy(0.5 + PADDING);
    const origin = (
      map as unknown as { _getNewPixelOrigin(c: L.LatLng, z: number): L.Point }
    )._getNewPixelOrigin(e.center, e.zoom);
    const topLeft = half.multiplyBy(-scale).add(map.project(this.drawnAt.center, e.zoom)).subtract(origin);
    L.DomUtil.setTransform(this.canvas, topLeft, scale);
  }

  /**
   * Draws the shown points in and near the view on a canvas of its own, in
   * slices, then puts it in place of the one on screen, which keeps the last
   * drawing, moving with the map, until the new one is whole.
   */
  private async draw(): Promise<void> {
    const map = this._map as L.Map | undefined;
    const canvas = this.canvas;
    if (!map || !canvas) return this.settle();
    if (this.ids.length === 0) {
      // Nothing to draw (a map before its points are placed): no canvas the size of the view for it.
      this.generation++;
      canvas.width = canvas.height = 0;
      this.grid = new HitGrid(0, 0, 0, 0, 0);
      this.gridIds = [];
      this.counts = [];
      this.drawnAt = null;
      return this.settle();
    }
    const generation = ++this.generation;
    const state = { again: false };
    this.drawing = state;
    const size = map.getSize();
    const pad = size.multiplyBy(PADDING).round();
    const width = size.x + 2 * pad.x;
    const height = size.y + 2 * pad.y;
    const ratio = window.devicePixelRatio || 1;
    const at = {
      position: map.containerPointToLayerPoint([-pad.x, -pad.y]),
      view: { center: map.getCenter(), zoom: map.getZoom() },
    };
    const back = document.createElement('canvas');
    back.width = width * ratio;
    back.height = height * ratio;
    const g = back.getContext('2d');
    if (!g) {
      this.drawing = null;
      return this.settle();
    }
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    // Canvas position = projection × scale − offset: one multiply and add per axis, no Leaflet objects.
    const scale = 2 ** map.getZoom();
    const min = map.getPixelBounds().min ?? L.point(0, 0);
    const offX = min.x - pad.x;
    const offY = min.y - pad.y;
    const n = this.ids.length;
    const xs = new Float32Array(n);
    const ys = new Float32Array(n);
    const inView = new Uint8Array(n);
    // A copy: the points may change while the slices are drawn; those changes draw again after.
    const kinds = this.kinds.slice(0, n);
    const radii = this.kindList.map((k) => this.styles[k].radius);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!this.shown[i]) continue;
      const r = radii[kinds[i] ?? 0] ?? 0;
      const x = (this.projected[i * 2] ?? 0) * scale - offX;
      const y = (this.projected[i * 2 + 1] ?? 0) * scale - offY;
      if (x < -r || y < -r || x > width + r || y > height + r) continue;
      xs[i] = x;
      ys[i] = y;
      inView[i] = 1;
      total++;
    }
    const ids = this.ids.slice(0, n);
    const dense = total > this.denseAbove;
    const grid = new HitGrid(width, height, offX, offY, scale);
    const counts: number[] = [];
    let sliceStart = performance.now();
    for (const [k, kind] of this.kindList.entries()) {
      const style = this.styles[kind];
      const { radius } = style;
      const path = new Path2D();
      // Outlined circles are stamped from one drawing per kind: thousands of circles in one path
      // cost the rasteriser far more than as many copies of a small image at whole pixels.
      const sprite = dense ? null : spriteOf(style, ratio);
      g.setTransform(sprite ? 1 : ratio, 0, 0, sprite ? 1 : ratio, 0, 0);
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (!inView[i] || kinds[i] !== k) continue;
        if ((count & 255) === 255 && performance.now() - sliceStart > SLICE_MS) {
          await nextTask();
          if (generation !== this.generation) return;
          sliceStart = performance.now();
        }
        const x = xs[i] ?? 0;
        const y = ys[i] ?? 0;
        if (sprite)
          g.drawImage(
            sprite,
            Math.round(x * ratio) - sprite.width / 2,
            Math.round(y * ratio) - sprite.height / 2,
          );
        else
          path.rect(Math.round(x - radius + 1), Math.round(y - radius + 1), 2 * radius - 2, 2 * radius - 2);
        grid.add(i, x, y, radius + REACH);
        count++;
      }
      if (count && !sprite) paintSquares(g, path, style);
      counts.push(count);
    }
    if (generation !== this.generation || this.canvas !== canvas) return;
    // The new drawing takes the old one's place: copying it over would cost a pass over every pixel.
    back.className = canvas.className;
    back.style.pointerEvents = 'none';
    back.style.width = `${width}px`;
    back.style.height = `${height}px`;
    L.DomUtil.setPosition(back, at.position);
    canvas.replaceWith(back);
    this.canvas = back;
    this.drawnAt = at.view;
    this.grid = grid;
    this.gridIds = ids;
    this.counts = counts;
    this.drawing = null;
    if (state.again) this.redraw();
    else this.settle();
  }

  /** The id of the shown point nearest a container point, within reach of it; null when none. */
  pointAt(at: L.Point): string | null {
    const map = this._map as L.Map | undefined;
    if (!map) return null;
    // The grid is in the last drawing's canvas pixels; the view may have moved since.
    const found = this.grid.nearest(
      map.containerPointToLayerPoint(at).add(map.getPixelOrigin()),
      map.getZoom(),
    );
    return found === null ? null : (this.gridIds[found] ?? null);
  }

  private pick(e: L.LeafletMouseEvent): void {
    const id = this.pointAt(e.containerPoint);
    if (id !== null) this.onPick(id);
  }
}
