import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  countTiles,
  latToTileY,
  lonToTileX,
  tileMatcher,
  tilesIn,
  tileUrl,
  usableBaseMap,
  type BaseMapConfig,
} from '../../shared/base-map.js';
import type { ReferenceData } from '../../shared/forms.js';
import { loadConfig } from '../../server/config.js';
import { configProblems, startTestServer, type TestServer } from './helpers.js';

const OSM = {
  MAP_TILE_URL: 'https://{s}.tile.example.org/{z}/{x}/{y}.png',
  MAP_TILE_SUBDOMAINS: 'a, b,c',
  MAP_ATTRIBUTION: '© OpenStreetMap contributors',
};

describe('base map configuration', () => {
  it('has no base map unless a tile URL is set', () => {
    assert.equal(loadConfig({}).baseMap, null);
  });

  it('reads the tile URL, its subdomains, attribution and deepest zoom', () => {
    assert.deepEqual(loadConfig({ ...OSM, MAP_MAX_ZOOM: '17' }).baseMap, {
      tileUrl: OSM.MAP_TILE_URL,
      attribution: OSM.MAP_ATTRIBUTION,
      maxZoom: 17,
      subdomains: ['a', 'b', 'c'],
    });
    assert.equal(loadConfig(OSM).baseMap?.maxZoom, 19, 'zoom 19 unless set');
  });

  it('refuses a template it cannot use, naming the variable and the fix', () => {
    assert.match(
      configProblems({ ...OSM, MAP_TILE_URL: 'https://t.example.org/{z}/{x}.png' }).join(' '),
      /MAP_TILE_URL: .*must contain \{y\}/,
    );
    assert.match(
      configProblems({ ...OSM, MAP_TILE_URL: 'https://t.example.org/{z}/{x}/{y}{r}.png' }).join(' '),
      /\{r\}: only \{s\}, \{z\}, \{x\} and \{y\}/,
    );
    assert.match(
      configProblems({ ...OSM, MAP_TILE_URL: 'ftp://t.example.org/{z}/{x}/{y}.png' }).join(' '),
      /https:\/\/ or http:\/\//,
    );
    assert.match(configProblems({ ...OSM, MAP_TILE_SUBDOMAINS: '' }).join(' '), /list its subdomains/);
    assert.match(
      configProblems({ ...OSM, MAP_MAX_ZOOM: '23' }).join(' '),
      /MAP_MAX_ZOOM must be a whole number/,
    );
  });

  it('requires the attribution the tiles licence asks for', () => {
    const noCredit: Record<string, string> = { ...OSM };
    delete noCredit.MAP_ATTRIBUTION;
    assert.match(configProblems(noCredit).join(' '), /MAP_ATTRIBUTION must credit/);
    assert.match(configProblems({ MAP_ATTRIBUTION: 'x' }).join(' '), /need MAP_TILE_URL/);
  });
});

describe('a server with a base map', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ baseMap: loadConfig(OSM).baseMap });
  });
  after(() => server.close());

  it('sends the base map with the reference data', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/reference' });
    const body = res.json<ReferenceData>();
    assert.equal(body.baseMap?.tileUrl, OSM.MAP_TILE_URL);
    assert.deepEqual(body.baseMap?.subdomains, ['a', 'b', 'c']);
  });

  it('lets the page show and fetch tiles from each tile origin, and nothing else', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/health' });
    const csp = String(res.headers['content-security-policy']);
    const origins = 'https://a.tile.example.org https://b.tile.example.org https://c.tile.example.org';
    assert.ok(csp.includes(`img-src 'self' blob: data: ${origins};`), csp);
    assert.ok(csp.includes(`connect-src 'self' ${origins};`), csp);
    assert.ok(csp.includes("script-src 'self';"), 'scripts still only from the app');
  });
});

describe('a server without a base map', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('says so in the reference data', async () => {
    const body = (await server.app.inject({ method: 'GET', url: '/api/reference' })).json<ReferenceData>();
    assert.equal(body.baseMap, null);
  });
});

describe('tile arithmetic shared by the page and the worker', () => {
  const config: BaseMapConfig = {
    tileUrl: 'https://{s}.tiles.example.org/base/{z}/{x}/{y}.png?v=2',
    attribution: 'Example',
    maxZoom: 19,
    subdomains: ['a', 'b', 'c'],
  };

  it('finds the tile of a place as slippy-map tile servers number them', () => {
    assert.deepEqual([lonToTileX(0, 1), latToTileY(0.1, 1), latToTileY(-0.1, 1)], [1, 0, 1]);
    // Kisumu, Kenya, at zoom 12 (checked against the OpenStreetMap formula by hand).
    assert.deepEqual([lonToTileX(34.7617, 12), latToTileY(-0.0917, 12)], [2443, 2049]);
    assert.equal(latToTileY(89.9, 3), 0, 'beyond Web Mercator clamps to the edge');
    assert.equal(lonToTileX(180, 3), 7);
  });

  it('counts and lists the same tiles for an area and zoom range', () => {
    const area = { south: -0.2, west: 34.6, north: 0.1, east: 34.9 };
    const tiles = [...tilesIn(area, 10, 13)];
    assert.equal(tiles.length, countTiles(area, 10, 13));
    assert.equal(new Set(tiles.map((t) => `${t.z}/${t.x}/${t.y}`)).size, tiles.length, 'no tile twice');
    assert.deepEqual(
      tiles.filter((t) => t.z === 10),
      [
        { z: 10, x: 610, y: 511 },
        { z: 10, x: 610, y: 512 },
        { z: 10, x: 611, y: 511 },
        { z: 10, x: 611, y: 512 },
      ],
    );
  });

  it("builds a tile's URL with Leaflet's subdomain and reads it back", () => {
    const url = tileUrl(config, { z: 12, x: 2443, y: 2049 });
    assert.equal(
      url,
      `https://${['a', 'b', 'c'][(2443 + 2049) % 3]}.tiles.example.org/base/12/2443/2049.png?v=2`,
    );
    const match = tileMatcher(config);
    assert.deepEqual(match(url), { z: 12, x: 2443, y: 2049 });
    assert.equal(match('https://d.tiles.example.org/base/12/2443/2049.png?v=2'), null, 'unknown subdomain');
    assert.equal(match('https://a.tiles.example.org/base/12/2443/2049.png'), null, 'another URL');
    assert.equal(match('https://a.tiles.example.org/base/2/9/1.png?v=2'), null, 'no such tile at zoom 2');
  });

  it('treats a broken stored base map as none, never as an error', () => {
    assert.deepEqual(usableBaseMap(config), config);
    assert.equal(usableBaseMap({ ...config, tileUrl: 'not a url/{z}/{x}/{y}' }), null);
    assert.equal(usableBaseMap(undefined), null);
  });
});
