import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { Stores } from '../../src/core/stores.js';
import { saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import '../../src/elements/fs-map.js';
import type { FsMap } from '../../src/elements/fs-map.js';
import { MARKER_STYLE } from '../../src/map/status-style.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { SubmissionStatus } from '../../shared/outbox.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import { demoPayload, testStores } from '../support/fixtures.js';
import { beforeEach, describe, it } from '../support/mocha.js';
import { deepAll, visibleText } from './form-support.js';

const reference: ReferenceData = {
  forms: [{ id: 'water-point-inspection', version: 1, title: 'Water point inspection', fields: [] }],
  lists: {},
};

async function saved(
  s: Stores,
  status: SubmissionStatus,
  location: SubmissionPayload['location'] | undefined = undefined,
): Promise<SubmissionPayload> {
  const base = demoPayload([]);
  const payload = location === undefined ? base : { ...base, location };
  await saveSubmission(payload, s);
  if (status !== 'queued') {
    await updateSubmission(
      payload.id,
      (r) => ({
        ...r,
        status,
        rejection:
          status === 'rejected' ? { error: 'validation_failed', message: 'People served is missing.' } : null,
      }),
      s,
    );
  }
  return payload;
}

function at(lat: number, lon: number): SubmissionPayload['location'] {
  return { lat, lon, accuracy: 5, time: new Date().toISOString() };
}

function checkbox(el: FsMap, selector: string): HTMLInputElement {
  const box = el.shadowRoot!.querySelector<HTMLInputElement>(selector);
  if (!box) throw new Error(`No checkbox ${selector}`);
  return box;
}

function shownIds(el: FsMap): string[] {
  return el.markers.map((m) => m.id).sort();
}

describe('fs-map', () => {
  let s: Stores;
  beforeEach(() => {
    s = testStores();
  });

  async function map(): Promise<FsMap> {
    const el = await fixture<FsMap>(html`<fs-map .stores=${s} .reference=${reference}></fs-map>`);
    await el.ready;
    expect(el.error, 'no error').to.equal('');
    await el.updateComplete;
    return el;
  }

  it('draws a canvas marker for each located submission, styled by its status', async () => {
    const queued = await saved(s, 'queued', at(-0.09, 34.76));
    const rejected = await saved(s, 'rejected', at(-0.1, 34.8));
    const sent = await saved(s, 'sent', at(-0.2, 34.7));
    const el = await map();
    const byId = new Map(el.markers.map((m) => [m.id, m]));
    expect(byId.size).to.equal(3);
    expect(byId.get(queued.id)).to.include({ status: 'queued', color: MARKER_STYLE.queued.color });
    expect(byId.get(rejected.id)).to.include({ status: 'rejected', radius: MARKER_STYLE.rejected.radius });
    expect(byId.get(sent.id)!.radius, 'size differs, not only colour').to.be.lessThan(
      byId.get(rejected.id)!.radius,
    );
    expect(el.shadowRoot!.querySelectorAll('canvas').length, 'one canvas for all points').to.equal(1);
    expect(el.shadowRoot!.querySelectorAll('.leaflet-interactive').length, 'no element per point').to.equal(
      0,
    );
    expect(visibleText(el)).to.contain('No base map is available');
    expect(el.shadowRoot!.querySelector('.leaflet-control-scale'), 'a scale').to.not.equal(null);
  });

  it('restyles a marker in place when its submission changes status', async () => {
    const p = await saved(s, 'queued', at(-0.09, 34.76));
    const el = await map();
    const before = el.markers[0]!;
    await updateSubmission(p.id, (r) => ({ ...r, status: 'waiting' }), s);
    await waitUntil(() => el.markers[0]?.status === 'waiting', 'the marker shows Waiting');
    const after = el.markers[0]!;
    expect(after.layerId, 'the same layer').to.equal(before.layerId);
    expect(after.color).to.equal(MARKER_STYLE.waiting.color);
    const item = deepAll<HTMLElement>(el, 'ul.shown li')[0]!;
    expect(visibleText(item)).to.contain('Waiting');
  });

  it('adds a marker for a newly saved submission and counts it in the legend', async () => {
    await saved(s, 'queued', at(-0.09, 34.76));
    const el = await map();
    const p = await saved(s, 'queued', at(1, 35));
    await waitUntil(() => el.markers.length === 2, 'a second marker');
    expect(shownIds(el)).to.include(p.id);
    await el.updateComplete;
    expect(visibleText(el.shadowRoot!.querySelector('[data-status="queued"]')!)).to.contain('2');
  });

  it('hides and shows markers with the status filters', async () => {
    const queued = await saved(s, 'queued', at(-0.09, 34.76));
    const sent = await saved(s, 'sent', at(-0.2, 34.7));
    const el = await map();
    checkbox(el, 'input[value="sent"]').click();
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal([queued.id]);
    expect(deepAll(el, 'ul.shown li').length).to.equal(1);
    checkbox(el, 'input[value="sent"]').click();
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal([queued.id, sent.id].sort());
  });

  it('shows only what the server has not accepted with "Only pending"', async () => {
    const ids = [
      (await saved(s, 'queued', at(0, 30))).id,
      (await saved(s, 'waiting', at(0, 31))).id,
      (await saved(s, 'rejected', at(0, 32))).id,
    ];
    await saved(s, 'sent', at(0, 33));
    const el = await map();
    expect(el.markers.length).to.equal(4);
    checkbox(el, 'input[name="only-pending"]').click();
    await el.updateComplete;
    expect(shownIds(el)).to.deep.equal(ids.sort());
  });

  it('lists submissions without a location beside the map', async () => {
    await saved(s, 'queued', at(0, 30));
    const none = [await saved(s, 'queued', null), await saved(s, 'rejected', null)];
    const el = await map();
    expect(el.markers.length).to.equal(1);
    expect(visibleText(el)).to.contain('2 submissions have no location');
    const listed = deepAll<HTMLElement>(el, 'ul.unlocated li').map((li) => li.dataset.id);
    expect(listed.sort()).to.deep.equal(none.map((p) => p.id).sort());
  });

  it('counts each status in the legend', async () => {
    await saved(s, 'queued', at(0, 30));
    await saved(s, 'queued', null);
    await saved(s, 'rejected', at(0, 31));
    await saved(s, 'sent', at(0, 32));
    const el = await map();
    const count = (status: string) =>
      visibleText(el.shadowRoot!.querySelector(`[data-status="${status}"] .count`)!).trim();
    expect(count('queued')).to.equal('2');
    expect(count('rejected')).to.equal('1');
    expect(count('sent')).to.equal('1');
    expect(count('waiting')).to.equal('0');
  });

  it("opens a popup with the form, status and the server's message", async () => {
    const p = await saved(s, 'rejected', at(0, 30));
    const el = await map();
    el.openPopup(p.id);
    const popup = el.shadowRoot!.querySelector<HTMLElement>('.leaflet-popup-content');
    expect(popup, 'a popup').to.not.equal(null);
    expect(visibleText(popup!)).to.contain('Water point inspection').and.contain('Rejected');
    expect(visibleText(popup!)).to.contain('People served is missing.');
  });

  it('opens on a world view when nothing has a location', async () => {
    await saved(s, 'queued', null);
    const el = await map();
    expect(el.markers.length).to.equal(0);
    expect(visibleText(el)).to.contain('1 submission has no location');
  });
});
