import { expect } from '@open-wc/testing';
import type { StoredPhoto } from '../../shared/outbox.js';
import type { PhotoGeotag } from '../../shared/submission.js';
import { PhotoError, processPhoto } from '../../src/photos/process-photo.js';
import { BACKGROUND, MARKER, makeJpeg, markerSize } from '../support/make-jpeg.js';
import { before, describe, it } from '../support/mocha.js';

type Rgb = readonly [number, number, number];

const noDevicePosition = (): PhotoGeotag | null => null;

/** For photos with EXIF GPS: the device must not be asked. */
const deviceMustNotBeAsked = (): PhotoGeotag | null => {
  throw new Error('deviceGeotag was called for a photo that has EXIF GPS');
};

/** Decodes JPEG bytes the way a viewer would and reads pixels from the result. */
async function decode(
  data: ArrayBuffer,
): Promise<{ width: number; height: number; at(x: number, y: number): Rgb }> {
  const bitmap = await createImageBitmap(new Blob([data], { type: 'image/jpeg' }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas context.');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data: rgba, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  return {
    width,
    height,
    at(x, y) {
      const i = (y * width + x) * 4;
      return [rgba[i] ?? -1, rgba[i + 1] ?? -1, rgba[i + 2] ?? -1];
    },
  };
}

/** JPEG re-encoding shifts colours a little; a flat block's centre stays within this. */
function expectColour(actual: Rgb, expected: Rgb, what: string): void {
  const off = Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] ?? 0))));
  expect(off, `${what}: got rgb(${actual.join(', ')}), want rgb(${expected.join(', ')})`).to.be.below(40);
}

function isJpeg(data: ArrayBuffer): boolean {
  const bytes = new Uint8Array(data, 0, 3);
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved.');
}

function asFile(blob: Blob, name: string): File {
  return new File([blob], name, { type: blob.type });
}

describe('processPhoto', () => {
  let large: StoredPhoto;

  before(async function () {
    this.timeout(30000);
    large = await processPhoto(asFile(await makeJpeg({ width: 4000, height: 3000 }), 'IMG_0001.jpg'), {
      deviceGeotag: noDevicePosition,
    });
  });

  it('scales a 4000×3000 photo down to 2048×1536 JPEG', async () => {
    expect(large.schema).to.equal(1);
    expect(large.type).to.equal('image/jpeg');
    expect([large.width, large.height]).to.deep.equal([2048, 1536]);
    expect(isJpeg(large.data)).to.equal(true);
    const decoded = await decode(large.data);
    expect([decoded.width, decoded.height]).to.deep.equal([2048, 1536]);
  });

  it('keeps a photo smaller than the limit at its own size', async () => {
    const photo = await processPhoto(await makeJpeg({ width: 400, height: 200 }), {
      deviceGeotag: noDevicePosition,
    });
    expect([photo.width, photo.height]).to.deep.equal([400, 200]);
  });

  it('scales to a smaller maxLongSide when one is given', async () => {
    const photo = await processPhoto(await makeJpeg({ width: 300, height: 400 }), {
      deviceGeotag: noDevicePosition,
      maxLongSide: 100,
    });
    expect([photo.width, photo.height]).to.deep.equal([75, 100]);
  });

  it('turns a photo stored sideways (EXIF orientation 6) upright, marker where a viewer sees it', async () => {
    // Stored 400×200 with the marker top-left; orientation 6 means "rotate 90° clockwise to view".
    const photo = await processPhoto(await makeJpeg({ width: 400, height: 200, orientation: 6 }), {
      deviceGeotag: noDevicePosition,
    });
    expect([photo.width, photo.height]).to.deep.equal([200, 400]);
    const image = await decode(photo.data);
    const half = markerSize(400, 200) / 2;
    expectColour(image.at(200 - half, half), MARKER, 'top-right corner');
    expectColour(image.at(half, half), BACKGROUND, 'top-left corner');
    expectColour(image.at(half, 400 - half), BACKGROUND, 'bottom-left corner');
    expectColour(image.at(200 - half, 400 - half), BACKGROUND, 'bottom-right corner');
  });

  it('reads the position, accuracy and UTC time from EXIF GPS, with source exif', async () => {
    const file = await makeJpeg({
      width: 320,
      height: 240,
      gps: { lat: 48.85837, lon: 2.294481, time: '2024-05-06T07:08:09Z', accuracy: 4.5 },
    });
    const photo = await processPhoto(file, { deviceGeotag: deviceMustNotBeAsked });
    const geotag = photo.geotag;
    if (!geotag) throw new Error('no geotag');
    expect(geotag.lat.toFixed(5)).to.equal('48.85837');
    expect(geotag.lon.toFixed(5)).to.equal('2.29448');
    expect(geotag.accuracy).to.equal(4.5);
    expect(geotag.time).to.equal('2024-05-06T07:08:09.000Z');
    expect(geotag.source).to.equal('exif');
  });

  it('makes southern latitudes and western longitudes negative', async () => {
    const file = await makeJpeg({ width: 320, height: 240, gps: { lat: -33.856784, lon: -70.64827 } });
    const photo = await processPhoto(file, { deviceGeotag: deviceMustNotBeAsked });
    const geotag = photo.geotag;
    expect(geotag?.lat.toFixed(5)).to.equal('-33.85678');
    expect(geotag?.lon.toFixed(5)).to.equal('-70.64827');
    // No GPS time, no DateTimeOriginal, no positioning error in this photo.
    expect([geotag?.accuracy, geotag?.time, geotag?.source]).to.deep.equal([null, null, 'exif']);
  });

  it('takes the time from DateTimeOriginal and its offset when GPS gives none', async () => {
    const file = await makeJpeg({
      width: 320,
      height: 240,
      gps: { lat: 1.5, lon: 2.5 },
      dateTimeOriginal: '2024:05:06 09:08:09',
      offsetTimeOriginal: '+02:00',
    });
    const photo = await processPhoto(file, { deviceGeotag: deviceMustNotBeAsked });
    expect(photo.geotag?.time).to.equal('2024-05-06T07:08:09.000Z');
  });

  it('uses the device position when the photo has no EXIF GPS', async () => {
    const here: PhotoGeotag = {
      lat: 52.1,
      lon: 5.1,
      accuracy: 12,
      time: '2025-01-02T03:04:05.000Z',
      source: 'device',
    };
    let asked = 0;
    const photo = await processPhoto(await makeJpeg({ width: 320, height: 240, orientation: 1 }), {
      deviceGeotag: () => {
        asked++;
        return here;
      },
    });
    expect(asked).to.equal(1);
    expect(photo.geotag).to.deep.equal(here);
  });

  it('leaves the geotag null when neither the photo nor the device knows a position', async () => {
    const photo = await processPhoto(await makeJpeg({ width: 320, height: 240 }), {
      deviceGeotag: noDevicePosition,
    });
    expect(photo.geotag).to.equal(null);
  });

  it('gives the SHA-256 of exactly the stored bytes, in lower-case hex', async () => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', large.data));
    const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
    expect(large.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(large.sha256).to.equal(hex);
  });

  it('makes a decodable JPEG thumbnail whose long side is at most 256 px', async () => {
    expect(isJpeg(large.thumbnail)).to.equal(true);
    const thumbnail = await decode(large.thumbnail);
    expect([thumbnail.width, thumbnail.height]).to.deep.equal([256, 192]);
    expectColour(thumbnail.at(10, 10), MARKER, 'thumbnail marker');
  });

  it('accepts a PNG and turns its transparent parts white', async () => {
    const canvas = new OffscreenCanvas(300, 200);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('No 2D canvas context.');
    context.fillStyle = 'rgb(0, 128, 0)';
    context.fillRect(0, 0, 150, 200); // the right half stays transparent
    const png = await canvas.convertToBlob({ type: 'image/png' });
    const photo = await processPhoto(asFile(png, 'drawing.png'), { deviceGeotag: noDevicePosition });
    expect(photo.type).to.equal('image/jpeg');
    expect([photo.width, photo.height]).to.deep.equal([300, 200]);
    const image = await decode(photo.data);
    expectColour(image.at(75, 100), [0, 128, 0], 'opaque half');
    expectColour(image.at(225, 100), [255, 255, 255], 'transparent half');
  });

  it('refuses a text file as not a photo', async () => {
    const text = new File(['Site 4: fence down near the gate.'], 'report.txt', { type: 'text/plain' });
    const error = await rejectionOf(processPhoto(text, { deviceGeotag: noDevicePosition }));
    expect(error).to.be.instanceOf(PhotoError);
    expect((error as PhotoError).reason).to.equal('not-an-image');
    expect((error as PhotoError).message).to.equal(
      '“report.txt” is not a photo. Choose a JPEG, PNG or WebP image.',
    );
  });

  it('refuses a JPEG cut short as damaged', async () => {
    const whole = await makeJpeg({ width: 400, height: 300, noise: true });
    const truncated = new File([whole.slice(0, Math.floor(whole.size / 3))], 'x.jpg', { type: 'image/jpeg' });
    const error = await rejectionOf(processPhoto(truncated, { deviceGeotag: noDevicePosition }));
    expect(error).to.be.instanceOf(PhotoError);
    expect((error as PhotoError).reason).to.equal('unreadable');
    expect((error as PhotoError).message).to.equal(
      '“x.jpg” could not be read. It may be damaged; take the photo again.',
    );
  });

  it('refuses a file named as a photo whose bytes are no image as damaged', async () => {
    const garbage = new File([new Uint8Array(2048).fill(0x5a)], 'y.jpg', { type: 'image/jpeg' });
    const error = await rejectionOf(processPhoto(garbage, { deviceGeotag: noDevicePosition }));
    expect(error).to.be.instanceOf(PhotoError);
    expect((error as PhotoError).message).to.equal(
      '“y.jpg” could not be read. It may be damaged; take the photo again.',
    );
  });

  it('refuses a maxLongSide that is not a positive whole number', async () => {
    const file = await makeJpeg({ width: 40, height: 30 });
    const error = await rejectionOf(processPhoto(file, { deviceGeotag: noDevicePosition, maxLongSide: 0 }));
    expect(error).to.be.instanceOf(RangeError);
  });

  it('processes several photos given at once, each to its own result', async () => {
    const sizes = [
      [640, 480],
      [480, 640],
      [3000, 1000],
      [100, 100],
      [2100, 2100],
    ] as const;
    const files = await Promise.all(sizes.map(([width, height]) => makeJpeg({ width, height })));
    const photos = await Promise.all(
      files.map((file) => processPhoto(file, { deviceGeotag: noDevicePosition })),
    );
    expect(photos.map((photo) => [photo.width, photo.height])).to.deep.equal([
      [640, 480],
      [480, 640],
      [2048, 683],
      [100, 100],
      [2048, 2048],
    ]);
    expect(new Set(photos.map((photo) => photo.sha256)).size).to.equal(sizes.length);
  });
});
