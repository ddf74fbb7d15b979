/**
 * How one point of a style looks on the canvas: a small picture drawn once
 * and stamped for each point, or (when dense) a plain square in one path.
 */

/** A kind of point's look. */
export interface PointStyle {
  fill: string;
  stroke: string;
  radius: number;
  /** Outline width in pixels; 1 when not given, 0 for none. */
  weight?: number;
  /** Dash pattern of the outline; solid when not given. */
  dash?: readonly number[];
  /** 1 when not given; 0 for a hollow ring. */
  fillOpacity?: number;
}

/** Dense points as plain squares; a hollow style keeps a faint fill, or it would vanish. */
export function paintSquares(g: CanvasRenderingContext2D, path: Path2D, style: PointStyle): void {
  g.globalAlpha = Math.max(style.fillOpacity ?? 1, 0.5);
  g.fillStyle = style.fill;
  g.fill(path);
  g.globalAlpha = 1;
}

const sprites = new Map<string, HTMLCanvasElement>();

/** A point of this style drawn once, centred on an even number of device pixels, kept for reuse. */
export function spriteOf(style: PointStyle, ratio: number): HTMLCanvasElement {
  const key = JSON.stringify([style, ratio]);
  const known = sprites.get(key);
  if (known) return known;
  const weight = style.weight ?? 1;
  const fillOpacity = style.fillOpacity ?? 1;
  const half = Math.ceil((style.radius + weight) * ratio) + 1;
  const sprite = document.createElement('canvas');
  sprite.width = sprite.height = half * 2;
  const g = sprite.getContext('2d');
  if (g) {
    g.setTransform(ratio, 0, 0, ratio, half, half);
    g.beginPath();
    g.arc(0, 0, style.radius, 0, Math.PI * 2);
    g.globalAlpha = fillOpacity;
    g.fillStyle = style.fill;
    if (fillOpacity > 0) g.fill();
    g.globalAlpha = 1;
    if (weight > 0) {
      g.strokeStyle = style.stroke;
      g.lineWidth = weight;
      g.setLineDash(style.dash ?? []);
      g.stroke();
    }
  }
  sprites.set(key, sprite);
  return sprite;
}
