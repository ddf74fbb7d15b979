/**
 * End to end: a new version of a form is published while a device holds a
 * draft on the old one. The draft stays on its version and is accepted; new
 * drafts use the new version.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { FormDef } from '../../shared/forms.js';
import { fillDemoForm } from './demo-form.js';
import { cameraJpeg, launchBrowser, openWorld, root } from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

describe('form versions', () => {
  it('keeps a draft on version 1 after version 2 is published, delivers it as version 1, and starts new drafts on version 2', async () => {
    const formsDir = await mkdtemp(join(tmpdir(), 'fieldsync-forms-'));
    await cp(join(root, 'server/demo-forms'), formsDir, { recursive: true });
    const v1 = JSON.parse(
      await readFile(join(formsDir, 'water-point-inspection.v1.json'), 'utf8'),
    ) as FormDef;
    const w = await openWorld(browser, { FORMS_DIR: formsDir });
    try {
      const { page, server } = w;
      await page.goto(w.door.url);
      await page.getByRole('link', { name: 'Water point inspection' }).click();
      await page.getByLabel('People served').waitFor();
      await fillDemoForm(page, { photos: [await cameraJpeg(page, 1)] });
      await page.getByText(/Kept on this device as you type \(last at/).waitFor();
      const draftPath = new URL(page.url()).pathname;
      assert.match(draftPath, /^\/drafts\//);
      await page.getByRole('link', { name: 'All forms' }).click();

      // The server publishes version 2, which adds a question, beside version 1.
      const v2: FormDef = {
        ...v1,
        version: 2,
        fields: [...v1.fields, { name: 'pump_brand', type: 'text', label: 'Pump brand' }],
      };
      await writeFile(join(formsDir, 'water-point-inspection.v2.json'), JSON.stringify(v2));
      await server.kill();
      await server.start();

      // The app refreshes: reopened, then its forms refreshed.
      await page.reload();
      await page.getByRole('button', { name: 'Refresh now' }).click();
      const card = page.locator('a[href="/forms/water-point-inspection"]');
      await card.filter({ hasText: 'Version 2' }).waitFor();

      await page.locator(`a[href="${draftPath}"]`).click();
      await page.getByText('A newer version of this form (version 2) exists.').waitFor();
      await page.getByText(/^Version 1/).waitFor();
      assert.equal(await page.getByLabel('Pump brand').count(), 0, 'the draft keeps version 1 questions');
      assert.equal(await page.getByLabel('People served').inputValue(), '120', 'the answers are kept');

      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Outbox' }).waitFor();
      const item = page.getByRole('listitem').filter({ hasText: 'Water point inspection' });
      await item.getByText('Sent').waitFor();
      const held = await server.submissions();
      assert.equal(held.length, 1);
      assert.equal(held[0]!.formVersion, 1);
      const etag = (await server.get(`/api/reference`)).headers.get('etag');
      assert.equal(held[0]!.referenceVersion, etag, 'captured with the reference data it was saved with');

      await page.goto(w.door.url);
      await card.click();
      await page.getByLabel('Pump brand').waitFor();
      await page.getByText(/^Version 2/).waitFor();
      await page.waitForURL(/\/drafts\//);
      const newDraftId = new URL(page.url()).pathname.replace('/drafts/', '');
      const stored = await page.evaluate(
        (id) =>
          new Promise<unknown>((resolve, reject) => {
            const req = indexedDB.open('fieldsync-drafts');
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const get = req.result.transaction('drafts').objectStore('drafts').get(id);
              get.onsuccess = () => resolve(get.result);
            };
          }),
        newDraftId,
      );
      assert.equal((stored as { formVersion: number }).formVersion, 2);
    } finally {
      await w.close();
      await rm(formsDir, { recursive: true, force: true });
    }
  });
});
