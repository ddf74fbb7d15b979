/**
 * Photo upload throughput of the real server process into each photo
 * store: the folder (DATA_DIR/photos) and an S3-compatible bucket (s3rver,
 * the Node S3-protocol server the tests use, running in this process).
 * Rounds alternate between the two so that a busy machine weighs on both
 * alike; the ratio is what to read. s3rver writes each object to its own
 * disk without fsync, and a real bucket is across a network: the figure is
 * the server's cost of the bucket path, not a bucket's speed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ServerProcess } from '../test/e2e/harness.js';
import { CHANGE_HEADERS } from '../test/support/accounts.js';
import { S3_TEST_CREDENTIALS } from '../test/server/s3-credentials.js';
import { startS3Server } from '../test/server/s3-server.js';

const PHOTO_BYTES = 1024 * 1024;
const PHOTOS_PER_ROUND = 120;
const CONCURRENCY = 8;
const ROUNDS = 3;

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);

function photo(): Buffer {
  return Buffer.concat([JPEG_MAGIC, randomBytes(PHOTO_BYTES - JPEG_MAGIC.length)]);
}

interface Round {
  seconds: number;
  latencies: number[];
}

/** PUTs every photo as the device whose cookie is given, CONCURRENCY at once. */
async function uploadAll(base: string, device: string, photos: Buffer[]): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < photos.length) {
        const bytes = photos[next++]!;
        const hash = createHash('sha256').update(bytes).digest('hex');
        const t = performance.now();
        const res = await fetch(`${base}/api/photos/${hash}`, {
          method: 'PUT',
          body: new Uint8Array(bytes),
          headers: { 'content-type': 'image/jpeg', cookie: device, ...CHANGE_HEADERS },
        });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`PUT photo answered ${res.status}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies };
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const median = (xs: number[]): number => percentile(xs, 50);

export async function photoUpload(): Promise<void> {
  const s3 = await startS3Server();
  const folder = new ServerProcess();
  const bucket = new ServerProcess({
    PHOTO_STORE: `s3://${s3.bucket}/bench`,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
  });
  try {
    await folder.start();
    await bucket.start();
    const devices = {
      folder: await (await folder.admin()).deviceCookie(),
      bucket: await (await bucket.admin()).deviceCookie(),
    };
    const results = { folder: [] as Round[], bucket: [] as Round[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, server] of [
        ['folder', folder],
        ['bucket', bucket],
      ] as const) {
        const photos = Array.from({ length: PHOTOS_PER_ROUND }, photo);
        results[name].push(await uploadAll(server.url, devices[name], photos));
      }
    }
    const rates: Record<string, number> = {};
    for (const [name, rounds] of Object.entries(results)) {
      const perSecond = rounds.map((r) => PHOTOS_PER_ROUND / r.seconds);
      const all = rounds.flatMap((r) => r.latencies);
      rates[name] = median(perSecond);
      console.info(
        `Photo upload to the ${name}: ${median(perSecond).toFixed(1)} photos/s of 1 MiB (${((median(perSecond) * PHOTO_BYTES) / 1024 / 1024).toFixed(1)} MiB/s), p50 ${median(all).toFixed(0)} ms, p99 ${percentile(all, 99).toFixed(0)} ms (${CONCURRENCY} at once, median of ${ROUNDS} rounds)`,
      );
    }
    console.info(`Photo upload, bucket ÷ folder: ${(rates.bucket! / rates.folder!).toFixed(2)}`);
  } finally {
    await folder.dispose();
    await bucket.dispose();
    await s3.stop();
  }
}
