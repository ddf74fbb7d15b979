import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import type { ReferenceData } from '../../shared/forms.js';
import type { Draft } from '../../shared/outbox.js';
import type { GeoPoint, SubmissionPayload } from '../../shared/submission.js';
import { getDraft, putDraft } from '../../src/core/drafts.js';
import { getPhoto } from '../../src/core/photos.js';
import { getDeviceId } from '../../src/core/settings.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission, listSubmissions } from '../../src/core/submissions.js';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import '../../src/elements/fs-form-view.js';
import { testStores } from '../support/fixtures.js';
import { makeJpeg } from '../support/make-jpeg.js';
import {
  button,
  byLabel,
  chooseFiles,
  deepActiveElement,
  deepAll,
  loadReference,
  openNewForm,
  question,
  settled,
  tabAway,
  typeInto,
  visibleText,
} from './form-support.js';
import { before, beforeEach, describe, it } from '../support/mocha.js';

let reference: ReferenceData;
let stores: Stores;

before(async () => {
  reference = await loadReference();
});

beforeEach(() => {
  stores = testStores();
});

async function answer(view: Element, label: string, text: string): Promise<void> {
  await typeInto(byLabel(view, label), text);
  await tabAway();
}

describe('fs-form-view: saving', () => {
  it('queues exactly the expected submission and deletes the draft', async function () {
    this.timeout(30000);
    await executeServerCommand('set-geolocation-permission', { state: 'granted' });
    await executeServerCommand('set-geolocation', { latitude: -0.15259, longitude: 34.47897, accuracy: 8 });
    const { view, draftId } = await openNewForm(
      fixture,
      html`<fs-form-view .reference=${reference} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
    );

    await answer(view, 'Name', 'Rita Ochieng');
    await answer(view, 'Story', 'Dry since May');
    await answer(view, 'Pumps', '3');
    await answer(view, 'Flow', '12.5');
    const visited = byLabel(view, 'Visited');
    visited.value = '2024-05-06';
    visited.dispatchEvent(new Event('input', { bubbles: true }));
    visited.dispatchEvent(new Event('change', { bubbles: true }));
    byLabel(view, 'Broken').click();
    await typeInto(byLabel(view, 'Search the list'), 'maseno spring');
    await settled(view);
    byLabel(view, 'Maseno Spring').click();
    byLabel(view, 'Leak').click();

    const located = oneEvent(question(view, 'where'), 'answer-change');
    button(view, 'Record location').click();
    const point = (await located).detail.value as GeoPoint;

    const photoAdded = oneEvent(question(view, 'pictures'), 'answer-change');
    chooseFiles(byLabel(view, 'Take or choose photos'), [
      new File([await makeJpeg({ width: 640, height: 480 })], 'pump.jpg', { type: 'image/jpeg' }),
    ]);
    const [sha] = (await photoAdded).detail.value as string[];
    await settled(view);

    const saved = oneEvent(view, 'submission-saved');
    button(view, 'Save').click();
    const { detail } = await saved;
    expect(detail).to.deep.equal({ id: draftId });

    const stored = await getSubmission(draftId, stores);
    const photo = await getPhoto(sha ?? '', stores);
    if (!stored || !photo) throw new Error('The submission or its photo is not stored');
    expect(stored.status).to.equal('queued');
    const expected: SubmissionPayload = {
      id: draftId,
      formId: 'all-kinds',
      formVersion: 2,
      answers: {
        name: 'Rita Ochieng',
        story: 'Dry since May',
        pumps: 3,
        flow: 12.5,
        visited: '2024-05-06',
        condition: 'broken',
        site: 'site_001',
        faults: ['leak'],
        where: point,
        pictures: [photo.sha256],
      },
      location: point,
      photos: [
        {
          sha256: photo.sha256,
          bytes: photo.data.byteLength,
          type: 'image/jpeg',
          width: 640,
          height: 480,
          field: 'pictures',
          geotag: photo.geotag,
        },
      ],
      createdAt: stored.payload.createdAt,
      deviceId: await getDeviceId(stores),
      // No reference data is stored in these tests' stores.
      referenceVersion: null,
      // The build's version (web-test-runner.config.js defines it as "test").
      appVersion: 'test',
    };
    expect(stored.payload).to.deep.equal(expected);
    expect(point).to.include({ lat: -0.15259, lon: 34.47897, accuracy: 8 });
    expect(photo.geotag).to.include({ lat: -0.15259, lon: 34.47897, source: 'device' });
    expect(Date.now() - Date.parse(stored.payload.createdAt)).to.be.within(0, 60_000);
    expect(await getDraft(draftId, stores)).to.equal(undefined);
  });

  it('saves the demo form with only its required answers, leaving out empty ones', async () => {
    await executeServerCommand('set-geolocation-permission', { state: 'granted' });
    await executeServerCommand('set-geolocation', { latitude: -0.16716, longitude: 34.4848, accuracy: 20 });
    const { view, draftId } = await openNewForm(
      fixture,
      html`<fs-form-view
        .reference=${reference}
        .stores=${stores}
        form-id="water-point-inspection"
      ></fs-form-view>`,
    );
    byLabel(view, 'Working').click();
    await answer(view, 'People served', '0');
    // Typed and deleted again: empty, so not an answer.
    await answer(view, 'Notes', 'x');
    byLabel<HTMLTextAreaElement>(view, 'Notes').select();
    await typeInto(byLabel(view, 'Notes'), ' ');
    await tabAway();
    const located = oneEvent(question(view, 'location'), 'answer-change');
    button(view, 'Record location').click();
    const point = (await located).detail.value as GeoPoint;
    // The nearest site is now first in the list.
    await settled(view);
    const first = deepAll<HTMLInputElement>(byLabel(view, 'Site'), 'input[type=radio]')[0];
    expect(first?.value).to.equal('site_002');
    first?.click();
    const photoAdded = oneEvent(question(view, 'photos'), 'answer-change');
    chooseFiles(byLabel(view, 'Take or choose photos'), [
      new File([await makeJpeg({ width: 320, height: 240, gps: { lat: -0.167, lon: 34.485 } })], 'a.jpg', {
        type: 'image/jpeg',
      }),
    ]);
    await photoAdded;
    await settled(view);

    const saved = oneEvent(view, 'submission-saved');
    button(view, 'Save').click();
    await saved;
    const stored = await getSubmission(draftId, stores);
    expect(Object.keys(stored?.payload.answers ?? {})).to.deep.equal([
      'site',
      'condition',
      'people_served',
      'location',
      'photos',
    ]);
    expect(stored?.payload.answers.people_served).to.equal(0);
    expect(stored?.payload.location).to.deep.equal(point);
    expect(stored?.payload.photos[0]?.geotag?.source).to.equal('exif');
  });

  it('does not save while a location is still being recorded', async () => {
    await executeServerCommand('set-geolocation-permission', { state: 'granted' });
    await executeServerCommand('set-geolocation', { latitude: 1, longitude: 2, accuracy: 500 });
    const { view } = await openNewForm(
      fixture,
      html`<fs-form-view .reference=${reference} .stores=${stores} form-id="all-kinds"></fs-form-view>`,
    );
    await answer(view, 'Name', 'Rita');
    byLabel(view, 'Dry').click();
    const fixed = oneEvent(question(view, 'where'), 'location-fix');
    button(view, 'Record location').click();
    await fixed;
    await settled(view);
    button(view, 'Save').click();
    await settled(view);
    expect(visibleText(view)).to.include(
      'A location is still being recorded. Use it or cancel it, then save.',
    );
    expect(deepActiveElement()).to.equal(button(view, 'Use this location'));
    expect(await listSubmissions(stores)).to.deep.equal([]);
  });

  it('keeps the draft and says why when a photo is no longer on the device', async () => {
    const draft: Draft = {
      schema: 1,
      id: crypto.randomUUID(),
      formId: 'all-kinds',
      formVersion: 2,
      answers: { name: 'Rita', condition: 'dry', pictures: ['ab'.repeat(32)] },
      updatedAt: new Date().toISOString(),
      correcting: false,
    };
    await putDraft(draft, stores);
    const view = await fixture<FsFormView>(
      html`<fs-form-view .reference=${reference} .stores=${stores} draft-id=${draft.id}></fs-form-view>`,
    );
    await waitUntil(() => visibleText(view).includes('Save'));
    await waitUntil(() => visibleText(question(view, 'pictures')).includes('!'));
    button(view, 'Save').click();
    await waitUntil(() =>
      visibleText(view).includes('A photo of this submission is no longer on the device.'),
    );
    expect(await getDraft(draft.id, stores)).to.deep.equal(draft);
    expect(await listSubmissions(stores)).to.deep.equal([]);
    // The form is usable again.
    expect(button(view, 'Save').disabled).to.equal(false);
  });
});
