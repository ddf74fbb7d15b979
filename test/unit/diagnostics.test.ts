import { expect, fixture, html } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { putPhoto } from '../../src/core/photos.js';
import { saveSubmission, updateSubmission } from '../../src/core/submissions.js';
import '../../src/elements/fs-diagnostics.js';
import type { FsDiagnostics } from '../../src/elements/fs-diagnostics.js';
import { TileCache } from '../../src/core/tile-cache.js';
import { set } from 'idb-keyval';
import { demoPayload, makeStoredPhoto, testStores } from '../support/fixtures.js';
import { describe, it } from '../support/mocha.js';
import { button, visibleText } from './form-support.js';

describe('fs-diagnostics', () => {
  it('shows the counts by status, the last error of each failed submission, storage and the server', async () => {
    const s = testStores();
    const photo = await makeStoredPhoto(7000);
    await putPhoto(photo, s);
    const failing = demoPayload([photo]);
    await saveSubmission(failing, s);
    await updateSubmission(
      failing.id,
      (r) => ({ ...r, attempts: 3, lastError: 'The server is not available (HTTP 503).' }),
      s,
    );
    const sent = demoPayload([photo]);
    await saveSubmission(sent, s);
    await updateSubmission(sent.id, (r) => ({ ...r, status: 'sent' }), s);
    await set('from-the-future', { schema: 42 }, s.submissions);

    const el = await fixture<FsDiagnostics>(html`<fs-diagnostics .stores=${s}></fs-diagnostics>`);
    await waitUntil(() => el.report !== null, 'the report is collected');
    const text = visibleText(el);
    expect(text).to.contain('queued 1').and.contain('sent 1').and.contain('rejected 0');
    expect(text).to.contain('3 failed attempts): The server is not available (HTTP 503).');
    expect(text).to.contain('from-the-future: This record was written in a format this version cannot read.');
    expect(text).to.contain('reachable (version');
    expect(text).to.match(/Used \d/);
    expect(text).to.match(/Device id [0-9a-f-]{36}/);
    expect(text).to.contain('From this page');
  });

  it('does not show background refresh as on where the browser does not allow it', async () => {
    const s = testStores();
    const el = await fixture<FsDiagnostics>(html`<fs-diagnostics .stores=${s}></fs-diagnostics>`);
    await waitUntil(() => el.report !== null, 'the report is collected', { timeout: 10_000 });
    await el.updateComplete;
    // A test browser's page is no installed app: periodic sync is denied (or absent).
    const box = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="checkbox"]')!;
    expect(box.checked).to.equal(false);
    expect(box.disabled).to.equal(true);
    const note = el.shadowRoot!.getElementById(box.getAttribute('aria-describedby')!);
    expect(visibleText(note!)).to.contain('Not possible here').and.contain('Refresh now');
  });

  it('shows the map tiles kept on the device and forgets the viewed ones on request', async () => {
    const s = testStores();
    const seenCache = `test-seen-${crypto.randomUUID()}`;
    const tiles = new TileCache({
      stores: s,
      seenCache,
      savedCache: `test-saved-${crypto.randomUUID()}`,
      fetcher: () =>
        Promise.resolve(new Response(new Uint8Array(3000), { headers: { 'content-type': 'image/png' } })),
      flushDelayMs: 0,
    });
    for (const n of [1, 2]) await tiles.handle(new Request(`https://tiles.example.org/12/${n}/1.png`)).done;
    await set('area-1', { schema: 1, id: 'area-1', bytes: 2 * 1024 * 1024 }, s.areas);

    const el = await fixture<FsDiagnostics>(html`<fs-diagnostics .stores=${s}></fs-diagnostics>`);
    await waitUntil(() => el.report !== null, 'the report is collected');
    expect(visibleText(el))
      .to.contain('Map tiles viewed 2 (5.9 kB)')
      .and.contain('Map areas saved 1 (2.0 MB)');
    button(el, 'Forget viewed map tiles').click();
    await waitUntil(() => el.report?.mapTiles.seen.count === 0, 'the viewed tiles are forgotten');
    expect(el.report!.mapTiles.savedAreas, 'saved areas stay').to.equal(1);
    await caches.delete(seenCache);
  });
});
