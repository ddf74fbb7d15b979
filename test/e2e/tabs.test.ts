/** Two tabs of the app on one device see the same outbox, live. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { fillDemoForm } from './demo-form.js';
import { cameraJpeg, launchBrowser, openWorld, sendNow } from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

describe('two tabs', () => {
  it('show a submission saved in one tab in the other, and its delivery, without a reload', async () => {
    const w = await openWorld(browser);
    try {
      const { page, context, server } = w;
      await page.goto(`${w.door.url}/forms/water-point-inspection`);
      await page.getByLabel('People served').waitFor();
      await server.kill();
      const other = await context.newPage();
      await other.goto(`${w.door.url}/outbox`);
      await other.getByText('Nothing saved on this device yet').waitFor();

      await fillDemoForm(page, { photos: [await cameraJpeg(page, 21)] });
      await page.getByRole('button', { name: 'Save' }).click();

      const item = other.getByRole('listitem').filter({ hasText: 'Water point inspection' });
      await item.getByText(/Queued|Waiting/).waitFor();
      await other.getByRole('link', { name: /Outbox.*1 not yet sent/ }).waitFor();

      await server.start();
      await sendNow(page);
      await item.getByText('Sent').waitFor();
      await other.getByRole('link', { name: 'Outbox', exact: true }).waitFor();
      assert.equal((await server.submissions()).length, 1);
    } finally {
      await w.close();
    }
  });
});
