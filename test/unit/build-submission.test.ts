// What a filled-in form becomes: the payload built from a draft's answers and the device's photos.
import { expect } from '@open-wc/testing';
import type { StoredPhoto } from '../../shared/outbox.js';
import { buildSubmission, type CaptureContext } from '../../src/forms/build-submission.js';
import { MissingPhotoError } from '../../src/core/submissions.js';
import { makeStoredPhoto, photoRef } from '../support/fixtures.js';
import { describe, it } from '../support/mocha.js';
import { TEST_FORM } from './form-support.js';

const where = { lat: -0.1, lon: 34.7, accuracy: 6, time: '2026-11-30T08:00:00.000Z' };

function context(photos: StoredPhoto[]): CaptureContext {
  return {
    photo: async (sha256) => photos.find((p) => p.sha256 === sha256),
    deviceId: 'device-1',
    referenceVersion: '"etag-1"',
    appVersion: '1.2.3',
    now: new Date('2026-11-30T09:00:00.000Z'),
  };
}

describe('buildSubmission', () => {
  it("keeps the form's answered fields, a reference per photo with its field, and the first location", async () => {
    const photo = await makeStoredPhoto(31);
    const id = crypto.randomUUID();
    const payload = await buildSubmission(
      TEST_FORM,
      { id },
      {
        name: 'Kibera',
        story: '',
        faults: [],
        where,
        pictures: [photo.sha256],
        leftover: 'from an old version',
      },
      context([photo]),
    );
    expect(payload).to.deep.equal({
      id,
      formId: TEST_FORM.id,
      formVersion: TEST_FORM.version,
      answers: { name: 'Kibera', where, pictures: [photo.sha256] },
      location: where,
      photos: [photoRef(photo, 'pictures')],
      createdAt: '2026-11-30T09:00:00.000Z',
      deviceId: 'device-1',
      referenceVersion: '"etag-1"',
      appVersion: '1.2.3',
    });
  });

  it('links a correction to the submission it corrects, and has no location when none was answered', async () => {
    const original = crypto.randomUUID();
    const payload = await buildSubmission(
      TEST_FORM,
      { id: crypto.randomUUID(), correctionOf: original },
      { name: 'Mathare' },
      context([]),
    );
    expect(payload.correctionOf).to.equal(original);
    expect(payload.location).to.equal(null);
  });

  it('refuses, naming them, when answered photos are no longer on the device', async () => {
    const kept = await makeStoredPhoto(32);
    const lost = await makeStoredPhoto(33);
    let thrown: unknown;
    try {
      await buildSubmission(
        TEST_FORM,
        { id: crypto.randomUUID() },
        { pictures: [kept.sha256, lost.sha256] },
        context([kept]),
      );
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.be.instanceOf(MissingPhotoError);
    expect((thrown as MissingPhotoError).hashes).to.deep.equal([lost.sha256]);
  });
});
