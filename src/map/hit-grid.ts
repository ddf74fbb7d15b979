/**
 * What a canvas drawing put where, for finding the point under a tap
 * without measuring the distance to every point: points are kept by cells
 * of the drawing, and a tap looks only at the cells within reach of it.
 * The cells are sorted out at the first tap after a drawing, not while drawing.
 */

/** Cell size in canvas pixels: about the size of a fingertip. */
const CELL = 32;

export class HitGrid {
  private readonly items: number[] = [];
  /** x, y and reach of each item, three per item. */
  private readonly at: number[] = [];
  private maxReach = 0;
  private cells: { start: Int32Array; order: Int32Array } | null = null;
  private readonly cols: number;
  private readonly rows: number;

  /**
   * @param width, height the drawing's size in pixels
   * @param offX, offY, scale a position at zoom 0 times scale, less the offset, is its place in the drawing
   */
  constructor(
    width: number,
    height: number,
    private readonly offX: number,
    private readonly offY: number,
    private readonly scale: number,
  ) {
    this.cols = Math.max(1, Math.ceil(width / CELL));
    this.rows = Math.max(1, Math.ceil(height / CELL));
  }

  /** A point drawn at x, y that a tap within `reach` pixels picks. */
  add(item: number, x: number, y: number, reach: number): void {
    this.items.push(item);
    this.at.push(x, y, reach);
    if (reach > this.maxReach) this.maxReach = reach;
    this.cells = null;
  }

  private cellOf(x: number, y: number): number {
    const cx = Math.min(this.cols - 1, Math.max(0, Math.floor(x / CELL)));
    const cy = Math.min(this.rows - 1, Math.max(0, Math.floor(y / CELL)));
    return cy * this.cols + cx;
  }

  /** Items ordered by cell (a counting sort): those of cell c are order[start[c]] to order[start[c + 1]]. */
  private sorted(): { start: Int32Array; order: Int32Array } {
    if (this.cells) return this.cells;
    const n = this.items.length;
    const start = new Int32Array(this.cols * this.rows + 1);
    const cellOf = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const c = this.cellOf(this.at[j * 3] ?? 0, this.at[j * 3 + 1] ?? 0);
      cellOf[j] = c;
      start[c + 1] = (start[c + 1] ?? 0) + 1;
    }
    for (let c = 1; c < start.length; c++) start[c] = (start[c] ?? 0) + (start[c - 1] ?? 0);
    const fill = start.slice();
    const order = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const c = cellOf[j] ?? 0;
      order[fill[c] ?? 0] = j;
      fill[c] = (fill[c] ?? 0) + 1;
    }
    return (this.cells = { start, order });
  }

  /**
   * The item nearest a place (in world pixels at `zoom`), among those within
   * their reach of it; null when none. Drawn later wins a tie, as it is on top.
   */
  nearest(world: { x: number; y: number }, zoom: number): number | null {
    const factor = this.scale / 2 ** zoom;
    const x = world.x * factor - this.offX;
    const y = world.y * factor - this.offY;
    const { start, order } = this.sorted();
    const reach = this.maxReach;
    const c0 = Math.max(0, Math.floor((x - reach) / CELL));
    const c1 = Math.min(this.cols - 1, Math.floor((x + reach) / CELL));
    const r0 = Math.max(0, Math.floor((y - reach) / CELL));
    const r1 = Math.min(this.rows - 1, Math.floor((y + reach) / CELL));
    let best: number | null = null;
    let bestAt = -1;
    let bestDistance = Infinity;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let o = start[cell] ?? 0; o < (start[cell + 1] ?? 0); o++) {
          const j = order[o] ?? 0;
          const dx = (this.at[j * 3] ?? 0) - x;
          const dy = (this.at[j * 3 + 1] ?? 0) - y;
          const d = dx * dx + dy * dy;
          const within = this.at[j * 3 + 2] ?? 0;
          if (d > within * within) continue;
          if (d < bestDistance || (d === bestDistance && j > bestAt)) {
            bestDistance = d;
            bestAt = j;
            best = this.items[j] ?? null;
          }
        }
      }
    }
    return best;
  }
}
