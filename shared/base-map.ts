/**
 * The base map: where its tiles come from (server configuration, delivered
 * with the reference data), and the tile arithmetic the page, the service
 * worker and the server share.
 */

/** A deployment's tile server, as the server's configuration names it. */
export interface BaseMapConfig {
  /**
   * A Leaflet-style URL template of 256-pixel PNG or JPEG tiles, e.g.
   * `https://{s}.tile.example.org/{z}/{x}/{y}.png`. Only `{s}`, `{z}`, `{x}` and
   * `{y}` are allowed. The tile server must allow CORS (the app reads the tiles
   * to keep them offline).
   */
  tileUrl: string;
  /** Shown on the map, as the tiles' licence requires. Plain text. */
  attribution: string;
  /** The deepest zoom the tile server has, 0 to 22. */
  maxZoom: number;
  /** Values of `{s}`; empty when the template has none. */
  subdomains: string[];
}

export interface TileCoord {
  z: number;
  x: number;
  y: number;
}

/** South, west, north, east in degrees. */
export interface LatLonBounds {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** Viewed tiles, cached by the service worker as they are seen; bounded, least recently used go first. */
export const SEEN_TILES_CACHE = 'fieldsync-tiles-seen';
/** Tiles of the areas the user saved for offline use; never evicted, freed when their areas are deleted. */
export const SAVED_TILES_CACHE = 'fieldsync-tiles-saved';

export const MAX_TILE_ZOOM = 22;
/** Web Mercator stops here: tiles cover latitudes up to ±85.0511°. */
const MAX_LAT = 85.0511287798;

const PLACEHOLDER = /\{([^}]*)\}/g;
const ALLOWED = new Set(['s', 'z', 'x', 'y']);

/** What is wrong with a tile URL template; empty when it can be used. */
export function tileTemplateProblems(template: string, subdomains: readonly string[] = []): string[] {
  const problems: string[] = [];
  let url: URL | null = null;
  try {
    url = new URL(template.replace(PLACEHOLDER, '0'));
  } catch {
    problems.push(`The tile URL "${template}" is not an absolute URL.`);
  }
  if (url && url.protocol !== 'https:' && url.protocol !== 'http:')
    problems.push(`The tile URL "${template}" must start with https:// or http://.`);
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
  for (const n of names)
    if (!ALLOWED.has(n)) problems.push(`The tile URL has {${n}}: only {s}, {z}, {x} and {y} are supported.`);
  for (const n of ['z', 'x', 'y']) if (!names.includes(n)) problems.push(`The tile URL must contain {${n}}.`);
  if (names.includes('s') && subdomains.length === 0)
    problems.push('The tile URL contains {s}: list its subdomains (for example "a,b,c").');
  for (const s of subdomains)
    if (!/^[a-z0-9-]+$/i.test(s))
      problems.push(`The subdomain "${s}" may hold only letters, digits and "-".`);
  return problems;
}

/** What is wrong with a base map configuration as received or stored; empty when it can be used. */
export function validateBaseMap(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['baseMap must be an object.'];
  const v = value as Partial<Record<keyof BaseMapConfig, unknown>>;
  const problems: string[] = [];
  if (typeof v.tileUrl !== 'string') problems.push('baseMap.tileUrl must be a URL template.');
  if (typeof v.attribution !== 'string' || v.attribution.trim() === '')
    problems.push('baseMap.attribution must name the source of the tiles.');
  if (
    typeof v.maxZoom !== 'number' ||
    !Number.isInteger(v.maxZoom) ||
    v.maxZoom < 0 ||
    v.maxZoom > MAX_TILE_ZOOM
  )
    problems.push(`baseMap.maxZoom must be a whole number from 0 to ${MAX_TILE_ZOOM}.`);
  if (!Array.isArray(v.subdomains) || !v.subdomains.every((s) => typeof s === 'string'))
    problems.push('baseMap.subdomains must be a list of strings.');
  else if (typeof v.tileUrl === 'string') problems.push(...tileTemplateProblems(v.tileUrl, v.subdomains));
  return problems;
}

/**
 * The base map a device can use, or null. A broken configuration only costs
 * the base map: it must never stop the forms from updating.
 */
export function usableBaseMap(value: unknown): BaseMapConfig | null {
  if (value === undefined || value === null || validateBaseMap(value).length > 0) return null;
  return value as BaseMapConfig;
}

/** The URL of one tile, with the subdomain Leaflet itself would pick, so the page's requests and saved tiles agree. */
export function tileUrl(config: BaseMapConfig, { z, x, y }: TileCoord): string {
  const n = config.subdomains.length;
  const s = n ? (config.subdomains[Math.abs(x + y) % n] ?? '') : '';
  return config.tileUrl.replace(PLACEHOLDER, (_, name: string) =>
    name === 'z' ? String(z) : name === 'x' ? String(x) : name === 'y' ? String(y) : s,
  );
}

/** Every origin the tiles come from (one per subdomain), for a Content-Security-Policy. */
export function tileOrigins(config: BaseMapConfig): string[] {
  const subs = config.subdomains.length ? config.subdomains : [''];
  const origins = subs.map(
    (s) => new URL(config.tileUrl.replace(PLACEHOLDER, (_, n: string) => (n === 's' ? s : '0'))).origin,
  );
  return [...new Set(origins)];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^$()|[\]\\/]/g, '\\$&').replace(/[{}]/g, '\\$&');
}

/** A matcher of the template's tile URLs: gives the tile a URL names, or null for any other URL. */
export function tileMatcher(config: BaseMapConfig): (url: string) => TileCoord | null {
  const order: string[] = [];
  let source = '^';
  let last = 0;
  for (const m of config.tileUrl.matchAll(PLACEHOLDER)) {
    source += escapeRegExp(config.tileUrl.slice(last, m.index));
    const name = m[1] ?? '';
    order.push(name);
    source += name === 's' ? `(${config.subdomains.map(escapeRegExp).join('|')})` : '(\\d{1,8})';
    last = m.index + m[0].length;
  }
  source += `${escapeRegExp(config.tileUrl.slice(last))}$`;
  const re = new RegExp(source);
  return (url) => {
    const m = re.exec(url);
    if (!m) return null;
    const at = (name: string) => Number(m[order.indexOf(name) + 1]);
    const coord = { z: at('z'), x: at('x'), y: at('y') };
    const side = 2 ** coord.z;
    if (coord.z > MAX_TILE_ZOOM || coord.x >= side || coord.y >= side) return null;
    return coord;
  };
}

const clampLat = (lat: number) => Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));

/** The tile column of a longitude at a zoom. */
export function lonToTileX(lon: number, z: number): number {
  const side = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * side);
  return Math.max(0, Math.min(side - 1, x));
}

/** The tile row of a latitude at a zoom (Web Mercator, north at row 0). */
export function latToTileY(lat: number, z: number): number {
  const side = 2 ** z;
  const r = (clampLat(lat) * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * side);
  return Math.max(0, Math.min(side - 1, y));
}

/** The range of tiles covering the bounds at one zoom; longitudes are clamped to one world. */
export function tileRange(b: LatLonBounds, z: number): { x0: number; x1: number; y0: number; y1: number } {
  const west = Math.max(-180, b.west);
  const east = Math.min(180, b.east);
  return {
    x0: lonToTileX(west, z),
    x1: lonToTileX(east, z),
    y0: latToTileY(b.north, z),
    y1: latToTileY(b.south, z),
  };
}

/** How many tiles cover the bounds from minZoom to maxZoom, both included. */
export function countTiles(b: LatLonBounds, minZoom: number, maxZoom: number): number {
  let n = 0;
  for (let z = minZoom; z <= maxZoom; z++) {
    const r = tileRange(b, z);
    n += (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1);
  }
  return n;
}

/** Every tile covering the bounds from minZoom to maxZoom, shallowest zoom first. */
export function* tilesIn(b: LatLonBounds, minZoom: number, maxZoom: number): Generator<TileCoord> {
  for (let z = minZoom; z <= maxZoom; z++) {
    const r = tileRange(b, z);
    for (let x = r.x0; x <= r.x1; x++) for (let y = r.y0; y <= r.y1; y++) yield { z, x, y };
  }
}
