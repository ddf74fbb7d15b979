/**
 * End to end: the built app in Chromium, the real server, and the failures
 * that must never lose or duplicate a submission.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { FormDef } from '../../shared/forms.js';
import { fillDemoForm } from './demo-form.js';
import {
  cameraJpeg,
  enrollContext,
  launchBrowser,
  outboxStatuses,
  sendNow,
  root,
  seedOutbox,
  until,
  withWorld as withFreshWorld,
  type World,
} from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

function withWorld(fn: (w: World) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  return withFreshWorld(browser, fn, env);
}

/** Opens the app once online, so the forms are on the device. */
async function firstVisit(w: World): Promise<void> {
  await w.page.goto(w.door.url);
  await w.page.getByRole('link', { name: 'Water point inspection' }).waitFor();
}

async function startDemoForm(w: World): Promise<void> {
  await w.page.getByRole('link', { name: 'Water point inspection' }).click();
  await w.page.getByLabel('People served').waitFor();
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('delivery', () => {
  it('keeps a submission saved while the server is down, and delivers it with its photos byte-identical when it is back', async () => {
    await withWorld(async (w) => {
      const { page, server } = w;
      await firstVisit(w);
      await server.kill();
      await startDemoForm(w);
      const photos = [await cameraJpeg(page, 1), await cameraJpeg(page, 2)];
      await fillDemoForm(page, { photos });
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Outbox' }).waitFor();
      const item = page.getByRole('listitem').filter({ hasText: 'Water point inspection' });
      await item.getByText('Queued').waitFor();

      await page.reload();
      await page.getByRole('link', { name: /Outbox/ }).click();
      await item.getByText(/Queued|Waiting/).waitFor();

      await server.start();
      await sendNow(page);
      await item.getByText('Sent').waitFor();

      const held = await server.submissions();
      assert.equal(held.length, 1);
      const sub = held[0]!;
      assert.equal(sub.photos.length, 2);
      // Processing re-encodes the photos; what the device stored is what the server must hold.
      const deviceHashes = await page.evaluate(
        () =>
          new Promise<string[]>((resolve) => {
            const req = indexedDB.open('fieldsync-photos');
            req.onsuccess = () => {
              const keys = req.result.transaction('photos').objectStore('photos').getAllKeys();
              keys.onsuccess = () => resolve(keys.result as string[]);
            };
          }),
      );
      for (const ref of sub.photos) {
        assert.ok(deviceHashes.includes(ref.sha256), 'the photo came from this device');
        const bytes = Buffer.from(await (await server.get(`/api/photos/${ref.sha256}`)).arrayBuffer());
        assert.equal(sha256(bytes), ref.sha256, 'the server holds exactly the bytes the device stored');
        assert.equal(bytes.length, ref.bytes);
      }
      assert.ok(
        sub.location && Math.abs(sub.location.lat - -0.0917) < 1e-6,
        'the location recorded on the device',
      );
    });
  });

  it('delivers exactly once through a spell of 503s', async () => {
    await withWorld(async (w) => {
      const { page, server, door } = w;
      await firstVisit(w);
      door.fault = { status: 503, count: 3 };
      await startDemoForm(w);
      await fillDemoForm(page, { photos: [await cameraJpeg(page, 3)] });
      await page.getByRole('button', { name: 'Save' }).click();
      const item = page.getByRole('listitem').filter({ hasText: 'Water point inspection' });
      // No button pressed: the backoff timer retries until the server recovers.
      await item.getByText('Sent').waitFor({ timeout: 60_000 });
      assert.equal(door.fault.count, 0, 'every 503 was met');
      const held = await server.submissions();
      assert.equal(held.length, 1);
      const submissionPuts = door.apiLog.filter((r) => r.startsWith('PUT /api/submissions/'));
      assert.ok(submissionPuts.length >= 3, `retried (${submissionPuts.length} PUTs)`);
    });
  });

  it('delivers each of 10 submissions exactly once when the server is killed while they are being sent', async () => {
    await withWorld(async (w) => {
      const { page, server } = w;
      await firstVisit(w);
      await server.kill();
      const ids = await seedOutbox(page, 10);
      await page.reload();
      await page.getByRole('link', { name: /Outbox/ }).click();

      // Two submissions get through; the others' requests wait at the door while the server dies.
      const release = w.door.holdSubmissionsAfter(2);
      await server.start();
      await sendNow(page);
      await until(async () => (await server.submissions()).length >= 2, 'the first arrivals');
      await server.kill();
      release();
      const before = await outboxStatuses(page);
      assert.ok(
        ids.some((id) => before[id] !== 'sent'),
        'some were still unsent when the server died',
      );
      await server.start();
      await sendNow(page);
      await until(
        async () => {
          const st = await outboxStatuses(page);
          return ids.every((id) => st[id] === 'sent');
        },
        'all 10 sent',
        60_000,
      );

      const held = await server.submissions();
      assert.deepEqual(held.map((s) => s.id).sort(), [...ids].sort(), 'each arrived, none twice');
      assert.equal(new Set(held.map((s) => s.receipt.seq)).size, 10);
    });
  });

  it("shows the server's reason for a rejection, and delivers the corrected submission", async () => {
    // The server's copy of the form gains a limit the device does not know of yet.
    const formsDir = await mkdtemp(join(tmpdir(), 'fieldsync-forms-'));
    await cp(join(root, 'server/demo-forms'), formsDir, { recursive: true });
    const file = join(formsDir, 'water-point-inspection.v1.json');
    const original = await readFile(file, 'utf8');
    try {
      await withWorld(
        async (w) => {
          const { page, server } = w;
          await firstVisit(w);
          const stricter = JSON.parse(original) as FormDef;
          const people = stricter.fields.find((f) => f.name === 'people_served')!;
          people.max = {
            value: 5000,
            message: 'No water point serves more than 5,000 people: check the count.',
          };
          await writeFile(file, JSON.stringify(stricter));
          // A fresh database: one that published version 1 refuses to start with it changed.
          await server.wipe();
          await server.start({ FORMS_DIR: formsDir });
          // A new server knows no device: this browser enrolls with it.
          await enrollContext(w.context, w.door.url, server);

          await startDemoForm(w);
          await fillDemoForm(page, { photos: [await cameraJpeg(page, 4)], peopleServed: '12000' });
          await page.getByRole('button', { name: 'Save' }).click();
          const item = page.getByRole('listitem').filter({ hasText: 'Water point inspection' });
          await item.getByText('Rejected').waitFor();
          await item.getByText('No water point serves more than 5,000 people').first().waitFor();
          assert.equal((await server.submissions()).length, 0);

          await item.getByRole('button', { name: /Fix/ }).click();
          const count = page.getByLabel('People served');
          await count.waitFor();
          assert.equal(await count.inputValue(), '12000', 'the answers are kept for correction');
          await count.fill('1200');
          await page.getByRole('button', { name: 'Save' }).click();
          await page
            .getByRole('listitem')
            .filter({ hasText: 'Water point inspection' })
            .getByText('Sent')
            .waitFor();
          const held = await server.submissions();
          assert.equal(held.length, 1);
          assert.equal(held[0]!.answers.people_served, 1200);
        },
        { FORMS_DIR: formsDir },
      );
    } finally {
      await rm(formsDir, { recursive: true, force: true });
    }
  });
});
