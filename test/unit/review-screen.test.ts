// The review screen against the real server: the table, its filters, a submission in full, and reviewing it.
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { expect, fixture, html } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { REQUEST_HEADER } from '../../shared/accounts.js';
import type { ReferenceData } from '../../shared/forms.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import { signOut } from '../../src/accounts/accounts-api.js';
import '../../src/elements/fs-review.js';
import type { FsReview } from '../../src/elements/fs-review.js';
import { enrollThisBrowser } from '../support/enroll.js';
import { makeStoredPhoto, photoRef } from '../support/fixtures.js';
import { after, before, describe, it } from '../support/mocha.js';
import { signedInAs, type Credentials } from '../support/signed-in.js';
import { button, byLabel, visibleText } from './form-support.js';

/** A word only this run's submissions hold, to find them among those of other tests. */
const marker = `run${Math.random().toString(36).slice(2, 8)}`;
let reference: ReferenceData;

function visit(headName: string, source: string): SubmissionPayload {
  const fix = { lat: -0.1, lon: 34.7, accuracy: 5, time: new Date().toISOString() };
  return {
    id: crypto.randomUUID(),
    formId: 'household-visit',
    formVersion: 1,
    answers: {
      village: 'vlg_00001',
      head_name: headName,
      members: 4,
      water_source: source,
      visit_date: '2026-11-20',
      location: fix,
    },
    location: fix,
    photos: [],
    createdAt: new Date().toISOString(),
    deviceId: 'review-screen-test',
    referenceVersion: null,
  };
}

async function send(payload: SubmissionPayload): Promise<void> {
  const res = await fetch(`/api/submissions/${payload.id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', [REQUEST_HEADER]: '1' },
    body: JSON.stringify(payload),
  });
  if (res.status !== 201) throw new Error(`The server answered ${res.status}: ${await res.text()}`);
}

// The virtualiser measures rows with a ResizeObserver; when a measurement changes the layout within one
// frame the browser reports "ResizeObserver loop completed with undelivered notifications", a notice that
// it delivers the rest next frame, not an error of the app. Only that one is kept from failing the tests.
addEventListener(
  'error',
  (e) => {
    if (e.message.startsWith('ResizeObserver loop')) e.stopImmediatePropagation();
  },
  { capture: true },
);

before(async () => {
  await executeServerCommand('api-fault', {});
  await enrollThisBrowser();
  reference = (await (await fetch('/api/reference')).json()) as ReferenceData;
  await send(visit(`Achieng ${marker}`, 'borehole'));
  await send(visit(`<img src=x onerror="window.__xss=1"> ${marker}`, 'rainwater'));
  const admin = (await executeServerCommand<Credentials, null>('admin-credentials', null))!;
  await signedInAs(admin);
});

after(async () => {
  await signOut();
  await setViewport({ width: 800, height: 600 });
});

function rows(el: FsReview): HTMLButtonElement[] {
  const list = el.shadowRoot!.querySelector('lit-virtualizer')!;
  return [...list.querySelectorAll<HTMLButtonElement>('button.row')];
}

async function search(el: FsReview, text: string): Promise<void> {
  const input = byLabel(el, 'Search answers');
  input.value = text;
  input.dispatchEvent(new Event('input'));
  await waitUntil(() => el.filter.text === text && !el.loading, 'the search applied');
}

describe('fs-review', () => {
  it('lists submissions with labels, finds them by text, shows one in full and records a rejection', async () => {
    await setViewport({ width: 1280, height: 800 });
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, marker);
    await waitUntil(() => rows(el).length === 2, 'the two rows');
    const achieng = rows(el).find((r) => r.textContent!.includes('Achieng'))!;
    expect(achieng.textContent).to.contain('Household visit').and.contain('Received');
    // Choice labels (from a choice list here), with their code.
    expect(achieng.textContent).to.contain('Abubuya Central (vlg_00001)');
    await expect(el).to.be.accessible();

    achieng.click();
    const detail = el.shadowRoot!.querySelector('fs-review-detail')!;
    await waitUntil(() => visibleText(detail).includes('Not reviewed yet.'), 'the history');
    expect(visibleText(detail)).to.contain('Household head name').and.contain(`Achieng ${marker}`);
    expect(visibleText(detail)).to.contain('Sent by Test browser').and.contain('Borehole (borehole)');

    // Sending it back needs a comment saying what to fix.
    button(detail, 'Reject').click();
    await waitUntil(() => visibleText(detail).includes('Say what needs fixing'), 'the refusal');
    const comment = detail.shadowRoot!.querySelector<HTMLTextAreaElement>('#comment')!;
    comment.value = 'The household head is <b>someone else</b>.';
    button(detail, 'Reject').click();
    await waitUntil(() => visibleText(detail).includes('changed Received to Rejected'), 'the history entry');
    const quote = detail.shadowRoot!.querySelector('blockquote')!;
    expect(quote.textContent).to.equal('The household head is <b>someone else</b>.');
    expect(quote.querySelector('b')).to.equal(null);
    await waitUntil(
      () =>
        rows(el)
          .find((r) => r.textContent!.includes('Achieng'))
          ?.textContent?.includes('Rejected'),
      'the row shows the new state',
    );
    await expect(el).to.be.accessible();

    // Filtered by state, only the rejected one of this run is left.
    const state = byLabel<HTMLSelectElement>(el, 'State');
    state.value = 'rejected';
    state.dispatchEvent(new Event('change'));
    await waitUntil(() => !el.loading && rows(el).length === 1, 'one row');
    expect(rows(el)[0]!.textContent).to.contain('Achieng');
  });

  it('shows each photo with where it was taken, and full size with zoom', async () => {
    await setViewport({ width: 1280, height: 800 });
    const photos = [await makeStoredPhoto(801, 640, 480), await makeStoredPhoto(802, 480, 640)];
    for (const p of photos) {
      const res = await fetch(`/api/photos/${p.sha256}`, {
        method: 'PUT',
        headers: { 'content-type': p.type, [REQUEST_HEADER]: '1' },
        body: p.data,
      });
      if (!res.ok) throw new Error(`The photo was refused: ${res.status} ${await res.text()}`);
    }
    const base = visit(`Nyambura ${marker}`, 'piped');
    await send({
      ...base,
      answers: { ...base.answers, photos: photos.map((p) => p.sha256) },
      photos: photos.map((p) => photoRef(p)),
    });
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, `Nyambura ${marker}`);
    await waitUntil(() => rows(el).length === 1, 'the row');
    rows(el)[0]!.click();
    const detail = el.shadowRoot!.querySelector('fs-review-detail')!;
    await waitUntil(() => detail.shadowRoot!.querySelector('fs-review-photos'), 'the photos');
    const gallery = detail.shadowRoot!.querySelector('fs-review-photos')!;
    await gallery.updateComplete;
    expect(visibleText(gallery)).to.contain("Taken at -0.10000, 34.70000 (±8 m), by the phone's location.");

    const thumb = button(gallery, 'Zoom Photo 2: Photo');
    thumb.focus();
    thumb.click();
    const viewer = gallery.shadowRoot!.querySelector('fs-photo-viewer')!;
    const dialog = viewer.shadowRoot!.querySelector('dialog')!;
    await waitUntil(() => dialog.open, 'the viewer');
    const img = dialog.querySelector<HTMLImageElement>('.stage img')!;
    // The server's bytes, full size.
    await waitUntil(() => img.complete && img.naturalWidth === 480 && img.naturalHeight === 640, 'the photo');
    expect(dialog.querySelector('h2')!.textContent).to.equal('Photo 2: Photo (2 of 2)');
    await expect(el).to.be.accessible();
    button(viewer, 'Close').click();
    await waitUntil(() => !dialog.open, 'closed');
    // Focus is back on the photo it opened from (compared as a boolean: chai's diff of two elements never ends).
    expect(gallery.shadowRoot!.activeElement === thumb, 'focus on the thumbnail').to.equal(true);
  });

  it('shows markup typed into answers as text, on a tablet as on a desktop', async () => {
    await setViewport({ width: 768, height: 1024 });
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, 'onerror');
    await waitUntil(() => rows(el).some((r) => r.textContent!.includes(marker)), 'the row');
    const row = rows(el).find((r) => r.textContent!.includes(marker))!;
    expect(row.textContent).to.contain('<img src=x onerror="window.__xss=1">');
    row.click();
    const detail = el.shadowRoot!.querySelector('fs-review-detail')!;
    await waitUntil(() => visibleText(detail).includes('Rainwater (rainwater)'), 'the detail');
    expect(el.shadowRoot!.querySelectorAll('img').length).to.equal(0);
    expect(detail.shadowRoot!.querySelectorAll('img').length).to.equal(0);
    expect((window as unknown as { __xss?: number }).__xss).to.equal(undefined);
    expect(el.scrollWidth).to.be.at.most(768);
    await expect(el).to.be.accessible();
  });

  it('shows what happens elsewhere without a reload: a new submission, a review, a device still holding some', async () => {
    await setViewport({ width: 1280, height: 800 });
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, marker);
    await waitUntil(() => visibleText(el).includes('Live: new submissions'), 'the stream open');

    const arriving = visit(`Wanjiru ${marker}`, 'borehole');
    await send(arriving);
    await waitUntil(() => rows(el).some((r) => r.textContent!.includes('Wanjiru')), 'the new row, live');
    const row = () => rows(el).find((r) => r.textContent!.includes('Wanjiru'))!;
    expect(row().textContent).to.contain('New');
    expect(rows(el)[0]).to.equal(row(), 'the newest received first');

    // Another reviewer, elsewhere, approves it.
    const approved = await fetch(`/api/submissions/${arriving.id}/reviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [REQUEST_HEADER]: '1' },
      body: JSON.stringify({ state: 'approved' }),
    });
    expect(approved.status).to.equal(201);
    await waitUntil(() => row().textContent!.includes('Approved'), 'the row approved, live');

    const oldest = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const reported = await fetch('/api/outbox', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', [REQUEST_HEADER]: '1' },
      body: JSON.stringify({
        reportedAt: new Date().toISOString(),
        waiting: 3,
        oldestCapturedAt: oldest,
        items: [{ formId: 'household-visit', capturedAt: oldest, location: null }],
      }),
    });
    expect(reported.status).to.equal(204);
    // Other tests' devices may have reported too: this browser's is the one holding three.
    const outboxes = el.shadowRoot!.querySelector('fs-field-outboxes')!;
    const mine = () =>
      [...outboxes.shadowRoot!.querySelectorAll('li')].find((li) =>
        li.textContent!.includes('3 waiting, oldest 2 days'),
      );
    await waitUntil(() => mine(), 'the outbox report, live');
    expect(mine()!.textContent).to.contain('Test browser').and.contain('last seen just now');
    await expect(el).to.be.accessible();
  });

  it('says when what it shows may be out of date, and catches up once the stream is back', async () => {
    await setViewport({ width: 1280, height: 800 });
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, marker);
    await waitUntil(() => visibleText(el).includes('Live: new submissions'), 'the stream open');

    // The stream is cut, and reconnecting is refused for now (a proxy's error), while the API still answers.
    await executeServerCommand('api-fault', {
      status: 503,
      count: 1000,
      statusPath: '/api/review/live',
      dropLive: true,
    });
    await waitUntil(() => visibleText(el).includes('may be out of date'), 'the stale notice', {
      timeout: 10_000,
    });
    const missed = visit(`Kamau ${marker}`, 'piped');
    await send(missed);
    await executeServerCommand('api-fault', {});
    await waitUntil(() => rows(el).some((r) => r.textContent!.includes('Kamau')), 'the missed row', {
      timeout: 30_000,
    });
    await waitUntil(() => visibleText(el).includes('Live: new submissions'), 'live again');
  });

  it('reviews the rows selected, and all that match after saying how many, and says when that set changed', async () => {
    await setViewport({ width: 1280, height: 800 });
    const word = `Bulk${marker}`;
    const sent = [
      visit(`${word} Atieno`, 'borehole'),
      visit(`${word} Baraka`, 'piped'),
      visit(`${word} Chebet`, 'borehole'),
    ];
    for (const v of sent) await send(v);
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, word);
    await waitUntil(() => rows(el).length === 3, 'the three rows');
    const bulk = el.shadowRoot!.querySelector('fs-review-bulk')!;
    const dialog = () => bulk.shadowRoot!.querySelector('dialog')!;
    const picks = () => [
      ...el.shadowRoot!.querySelectorAll<HTMLInputElement>('lit-virtualizer input[type=checkbox]'),
    ];
    const stateOf = (name: string) => rows(el).find((r) => r.textContent!.includes(name))?.textContent ?? '';

    // Two rows, one by one.
    picks()[0]!.click();
    picks()[1]!.click();
    await waitUntil(() => visibleText(bulk).includes('2 submissions selected'), 'the selection counted');
    button(bulk, 'Review the 2 selected…').click();
    await waitUntil(() => dialog().open, 'the dialog');
    byLabel(bulk, 'Has issues').click();
    button(bulk, 'Apply to 2 submissions').click();
    await waitUntil(() => visibleText(bulk).includes('Say what needs fixing'), 'a comment asked for');
    byLabel<HTMLTextAreaElement>(bulk, 'Comment').value = 'Write the full name of the head.';
    await expect(el).to.be.accessible();
    button(bulk, 'Apply to 2 submissions').click();
    await waitUntil(() => visibleText(bulk).includes('2 submissions marked Has issues.'), 'done');
    await waitUntil(() => rows(el).filter((r) => r.textContent!.includes('Has issues')).length === 2, 'live');
    expect(picks().every((p) => !p.checked)).to.equal(true, 'the selection is cleared');

    // All that match: the count comes first.
    button(bulk, 'Review all that match…').click();
    await waitUntil(() => visibleText(bulk).includes('3 submissions match the filter now'), 'the count');
    byLabel(bulk, 'Approved').click();
    button(bulk, 'Apply to 3 submissions').click();
    await waitUntil(() => visibleText(bulk).includes('3 submissions marked Approved.'), 'all approved');
    await waitUntil(() => rows(el).every((r) => r.textContent!.includes('Approved')), 'every row approved');

    // Filtered by state, another reviewer moves one out after the count: the new count is asked for.
    const state = byLabel<HTMLSelectElement>(el, 'State');
    state.value = 'approved';
    state.dispatchEvent(new Event('change'));
    await waitUntil(() => !el.loading && rows(el).length === 3, 'the approved three');
    button(bulk, 'Review all that match…').click();
    await waitUntil(() => visibleText(bulk).includes('3 submissions match the filter now'), 'counted');
    const elsewhere = await fetch(`/api/submissions/${sent[2]!.id}/reviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [REQUEST_HEADER]: '1' },
      body: JSON.stringify({ state: 'rejected', comment: 'Not a household of this village.' }),
    });
    expect(elsewhere.status).to.equal(201);
    byLabel(bulk, 'Rejected').click();
    byLabel<HTMLTextAreaElement>(bulk, 'Comment').value = 'Visit again with the chief.';
    button(bulk, 'Apply to 3 submissions').click();
    await waitUntil(() => visibleText(bulk).includes('2 submissions match now, not 3'), 'the set changed');
    await waitUntil(() => visibleText(bulk).includes('Apply to 2 submissions'), 'the new count to confirm');
    expect(stateOf(`${word} Atieno`)).to.contain('Approved');
    button(bulk, 'Cancel').click();
    await waitUntil(() => !dialog().open, 'closed');
  });

  it('counts again when the dialog is opened before the last one has finished closing', async () => {
    await setViewport({ width: 1280, height: 800 });
    const word = `Again${marker}`;
    await send(visit(`${word} Wanjiru`, 'piped'));
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, word);
    await waitUntil(() => rows(el).length === 1, 'the row');
    const bulk = el.shadowRoot!.querySelector('fs-review-bulk')!;
    const dialog = bulk.shadowRoot!.querySelector('dialog')!;
    button(bulk, 'Review all that match…').click();
    await waitUntil(() => visibleText(bulk).includes('1 submission matches the filter now'), 'the count');
    // The dialog's "close" event comes a task after closing: here, after it is open again.
    const closed = new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
    button(bulk, 'Cancel').click();
    button(bulk, 'Review all that match…').click();
    await closed;
    expect(dialog.open).to.equal(true);
    await waitUntil(() => visibleText(bulk).includes('1 submission matches the filter now'), 'counted again');
    await waitUntil(() => visibleText(bulk).includes('Apply to 1 submission'), 'ready to apply');
  });

  it('shows what the server flagged, on the row and in full, and filters on it', async () => {
    await setViewport({ width: 1280, height: 800 });
    const word = `Flag${marker}`;
    const rough = visit(`${word} Rough`, 'piped');
    const fix = { ...rough.location!, accuracy: 120 };
    rough.answers = { ...rough.answers, location: fix };
    rough.location = fix;
    await send(rough);
    await send(visit(`${word} Sharp`, 'piped'));
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, word);
    await waitUntil(() => rows(el).length === 2, 'both rows');
    const roughRow = rows(el).find((r) => r.textContent!.includes('Rough'))!;
    expect(roughRow.textContent).to.contain('Poor location');
    expect(rows(el).find((r) => r.textContent!.includes('Sharp'))!.textContent).not.to.contain(
      'Poor location',
    );
    roughRow.click();
    const detail = el.shadowRoot!.querySelector('fs-review-detail')!;
    await waitUntil(() => visibleText(detail).includes('To look at twice'), 'the flags in full');
    expect(visibleText(detail)).to.contain('is accurate to 120 m; the form asks for 50 m.');
    await expect(el).to.be.accessible();
    // The device filter lists the devices that send these forms; this browser sent both.
    const sender = el.items[0]!.submission.sentBy!.deviceId;
    const device = byLabel<HTMLSelectElement>(el, 'Device');
    await waitUntil(() => [...device.options].some((o) => o.value === sender), 'the devices listed');
    device.value = sender;
    device.dispatchEvent(new Event('change'));
    await waitUntil(() => !el.loading && el.filter.deviceId === sender && rows(el).length === 2, 'by device');
    byLabel(el, 'Only flagged').click();
    await waitUntil(
      () => !el.loading && el.filter.flagged === true && rows(el).length === 1,
      'only the flagged one',
    );
    expect(rows(el)[0]!.textContent).to.contain('Rough');
  });

  it('maps the filtered set by state, with what devices still hold as ghosts, and keeps it live', async () => {
    await setViewport({ width: 1280, height: 800 });
    const word = `Map${marker}`;
    const first = visit(`${word} One`, 'piped');
    await send(first);
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, word);
    await waitUntil(() => rows(el).length === 1, 'the row');
    button(el, 'Map').click();
    await el.updateComplete;
    const map = el.shadowRoot!.querySelector('fs-review-map')!;
    await map.ready;
    expect(map.drawn().points.map((p) => [p.id, p.state])).to.deep.equal([[first.id, 'received']]);
    expect(visibleText(map)).to.contain('1 on the map');
    await expect(el).to.be.accessible();

    // A new one arrives, and another reviewer approves the first: the map follows.
    const second = visit(`${word} Two`, 'piped');
    await send(second);
    await waitUntil(() => map.drawn().points.some((p) => p.id === second.id), 'the new point, live');
    const approved = await fetch(`/api/submissions/${first.id}/reviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [REQUEST_HEADER]: '1' },
      body: JSON.stringify({ state: 'approved' }),
    });
    expect(approved.status).to.equal(201);
    await waitUntil(
      () => map.drawn().points.find((p) => p.id === first.id)?.state === 'approved',
      'the point restyled, live',
    );
    expect(new Set(map.drawn().points.map((p) => p.color)).size).to.equal(2, 'a colour per state');

    // Captured on a device, not yet received: a ghost where it was captured.
    const at = new Date().toISOString();
    const reported = await fetch('/api/outbox', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', [REQUEST_HEADER]: '1' },
      body: JSON.stringify({
        reportedAt: at,
        waiting: 1,
        oldestCapturedAt: at,
        items: [{ formId: 'household-visit', capturedAt: at, location: { latitude: -0.2, longitude: 34.6 } }],
      }),
    });
    expect(reported.status).to.equal(204);
    await waitUntil(() => map.drawn().ghosts >= 1, 'the ghost');
    expect(visibleText(map)).to.contain('still on devices, dashed');
  });

  it('shows the corrections of a returned submission beside it, and the original from a correction', async () => {
    await setViewport({ width: 1280, height: 800 });
    const original = visit(`Otieno ${marker}`, 'piped');
    await send(original);
    const correction = { ...visit(`Otieno Odhiambo ${marker}`, 'piped'), correctionOf: original.id };
    await send(correction);
    const el = await fixture<FsReview>(html`<fs-review .reference=${reference}></fs-review>`);
    await search(el, `Otieno ${marker}`);
    await waitUntil(() => rows(el).length === 1, 'the original');
    rows(el)[0]!.click();
    const detail = el.shadowRoot!.querySelector('fs-review-detail')!;
    await waitUntil(() => visibleText(detail).includes('Corrections'), 'its corrections');
    button(detail, 'Open the correction').click();
    await waitUntil(() => el.selected?.submission.id === correction.id, 'the correction shown');
    await waitUntil(() => visibleText(detail).includes('A correction of a submission returned'), 'the link');
    expect(visibleText(detail)).to.contain(`Otieno Odhiambo ${marker}`);
    await expect(el).to.be.accessible();
    button(detail, 'Open the original').click();
    await waitUntil(() => el.selected?.submission.id === original.id, 'the original again');
  });
});
