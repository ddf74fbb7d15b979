// Many points on one canvas: drawn in their colours where they are, restyled, and picked by a tap.
import { expect } from '@open-wc/testing';
import * as L from 'leaflet/dist/leaflet-src.esm.js';
import { PointsLayer } from '../../src/map/points-layer.js';
import { afterEach, describe, it } from '../support/mocha.js';

type Kind = 'red' | 'blue';
const STYLES = {
  red: { fill: 'rgb(200, 0, 0)', stroke: 'rgb(200, 0, 0)', radius: 6 },
  blue: { fill: 'rgb(0, 0, 200)', stroke: 'rgb(0, 0, 200)', radius: 6 },
};

let container: HTMLDivElement | null = null;
afterEach(() => container?.remove());

/** A 400 × 300 map of a small area, with the layer on it; resolves once drawn. */
async function mapWith(points: [string, number, number, Kind][], picked: string[]) {
  container = document.createElement('div');
  container.style.cssText = 'width: 400px; height: 300px';
  document.body.append(container);
  const map = L.map(container, { zoomAnimation: false, fadeAnimation: false }).setView([0, 34.5], 12);
  const layer = new PointsLayer<Kind>(STYLES, (id) => picked.push(id));
  layer.setPoints(points);
  layer.addTo(map);
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return { map, layer };
}

/** The colour the layer's canvas has at a container point. */
function colourAt(at: L.Point): [number, number, number, number] {
  const canvas = container!.querySelector('canvas')!;
  const ratio = canvas.width / canvas.clientWidth;
  // The canvas reaches beyond the view on every side.
  const box = canvas.getBoundingClientRect();
  const view = container!.getBoundingClientRect();
  const x = at.x + view.left - box.left;
  const y = at.y + view.top - box.top;
  const d = canvas.getContext('2d')!.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
  return [d[0]!, d[1]!, d[2]!, d[3]!];
}

/** Resolves once the frame after the next drawing has run. */
const drawn = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));

function tap(map: L.Map, at: L.Point): void {
  map.fire('click', { latlng: map.containerPointToLatLng(at), containerPoint: at, layerPoint: at });
}

describe('PointsLayer', () => {
  it('draws each point in its kind’s colour where it is, and picks the one tapped', async () => {
    const picked: string[] = [];
    const { map, layer } = await mapWith(
      [
        ['a', 0.01, 34.49, 'red'],
        ['b', -0.01, 34.51, 'blue'],
      ],
      picked,
    );
    const a = map.latLngToContainerPoint([0.01, 34.49]);
    const b = map.latLngToContainerPoint([-0.01, 34.51]);
    expect(colourAt(a)).to.deep.equal([200, 0, 0, 255]);
    expect(colourAt(b)).to.deep.equal([0, 0, 200, 255]);
    expect(colourAt(L.point(a.x + 40, a.y))[3]).to.equal(0, 'nothing drawn between');

    tap(map, L.point(b.x + 5, b.y - 3));
    tap(map, L.point(a.x - 40, a.y - 40));
    expect(picked).to.deep.equal(['b']);

    layer.setKind('a', 'blue');
    layer.put('c', 0, 34.5, 'red');
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    expect(colourAt(a)).to.deep.equal([0, 0, 200, 255]);
    expect(colourAt(map.latLngToContainerPoint([0, 34.5]))).to.deep.equal([200, 0, 0, 255]);
    expect(layer.entries().map(({ id, kind }) => ({ id, kind }))).to.deep.equal([
      { id: 'a', kind: 'blue' },
      { id: 'b', kind: 'blue' },
      { id: 'c', kind: 'red' },
    ]);
  });

  it('draws a hundred thousand points in one frame, and follows the view', async () => {
    const points: [string, number, number, Kind][] = Array.from({ length: 100_000 }, (_, i) => [
      `p${i}`,
      -0.05 + (i % 1000) / 10_000,
      34.45 + Math.floor(i / 1000) / 1000,
      i % 2 ? 'red' : 'blue',
    ]);
    const { map, layer } = await mapWith(points, []);
    expect(layer.entries().length).to.equal(100_000);
    map.setView([10, 10], 12);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const middle = L.point(200, 150);
    expect(colourAt(middle)[3]).to.equal(0, 'the points are out of this view');
  });

  it('counts what each kind draws, and neither draws nor picks a hidden or deleted point', async () => {
    const picked: string[] = [];
    const { map, layer } = await mapWith(
      [
        ['a', 0.01, 34.49, 'red'],
        ['b', -0.01, 34.51, 'blue'],
        ['c', 0, 34.5, 'blue'],
        ['far', 10, 10, 'red'],
      ],
      picked,
    );
    expect(layer.drawnCounts(), 'only what is in view').to.deep.equal({ red: 1, blue: 2 });
    const a = map.latLngToContainerPoint([0.01, 34.49]);
    const c = map.latLngToContainerPoint([0, 34.5]);
    layer.setShown('a', false);
    layer.delete('c');
    await drawn();
    expect(layer.drawnCounts()).to.deep.equal({ red: 0, blue: 1 });
    expect(colourAt(a)[3]).to.equal(0, 'the hidden point is not drawn');
    expect(colourAt(c)[3]).to.equal(0, 'the deleted point is not drawn');
    tap(map, a);
    tap(map, c);
    expect(picked, 'nothing to pick there').to.deep.equal([]);
    expect(layer.entries().map((e) => e.id)).to.deep.equal(['a', 'b', 'far']);

    layer.setShown('a', true);
    await drawn();
    tap(map, a);
    expect(picked).to.deep.equal(['a']);
  });

  it('finds the point under a tap after the map is panned and zoomed', async () => {
    const picked: string[] = [];
    // A row of points 0.002° apart: close enough that a tap must tell neighbours apart.
    const points: [string, number, number, Kind][] = Array.from({ length: 50 }, (_, i) => [
      `p${i}`,
      0,
      34.45 + i * 0.002,
      i % 2 ? 'red' : 'blue',
    ]);
    const { map, layer } = await mapWith(points, picked);
    map.panBy([120, 40], { animate: false });
    await drawn();
    let at = map.latLngToContainerPoint([0, 34.45 + 40 * 0.002]);
    tap(map, L.point(at.x + 2, at.y - 2));
    map.setZoom(14, { animate: false });
    await drawn();
    expect(layer.drawnCounts().red, 'the view shows fewer at a closer zoom').to.be.lessThan(25);
    at = map.latLngToContainerPoint([0, 34.45 + 44 * 0.002]);
    expect(colourAt(at)).to.deep.equal([0, 0, 200, 255]);
    tap(map, at);
    expect(picked).to.deep.equal(['p40', 'p44']);
  });

  it('draws a hollow, dashed style as a ring: its outline inked, its middle clear', async () => {
    container = document.createElement('div');
    container.style.cssText = 'width: 400px; height: 300px';
    document.body.append(container);
    const map = L.map(container, { zoomAnimation: false, fadeAnimation: false }).setView([0, 34.5], 12);
    const ring = {
      fill: 'rgb(0, 120, 0)',
      stroke: 'rgb(0, 120, 0)',
      radius: 9,
      weight: 3,
      dash: [4, 3],
      fillOpacity: 0,
    };
    const layer = new PointsLayer({ ring }, () => undefined, { denseAbove: Infinity });
    layer.setPoints([['r', 0, 34.5, 'ring']]);
    layer.addTo(map);
    await drawn();
    const c = map.latLngToContainerPoint([0, 34.5]);
    expect(colourAt(c)[3]).to.equal(0, 'the middle is clear');
    const edge = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => {
      const angle = (k * Math.PI) / 4;
      return colourAt(L.point(c.x + 9 * Math.cos(angle), c.y + 9 * Math.sin(angle)))[3];
    });
    expect(edge.filter((alpha) => alpha > 0).length, 'most of the outline is inked').to.be.greaterThan(3);
  });
});
