/**
 * A kiosk tablet end to end, in Chromium at tablet sizes against the real
 * server: enrolled as a kiosk, set up with a PIN, it serves two people in a
 * row (each submission arrives once, and the second can reach nothing of
 * the first: not by Back, not in the drafts, the outbox or the page's
 * text); an abandoned form clears itself after the warning, on a clock the
 * test moves; wrong PINs make the next try wait; the right one leaves
 * kiosk mode, and gives the screen's wake lock back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { cameraJpeg, launchBrowser, until, withWorld } from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

const PIN = '482915';

/** All the text the page shows or holds, through every shadow root (what a search of the DOM would find). */
function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [];
    const walk = (node: Node): void => {
      if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
      if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement) parts.push(node.value);
      if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
      for (const child of node.childNodes) walk(child);
    };
    walk(document);
    return parts.join(' ');
  });
}

/** What the tablet keeps in a store of its own databases: the keys of each record. */
function storedKeys(page: Page, store: 'drafts' | 'submissions' | 'photos'): Promise<string[]> {
  return page.evaluate(
    (name) =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open(`fieldsync-${name}`);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction(name).objectStore(name).getAllKeys();
          req.onsuccess = () => resolve(req.result.map(String));
          req.onerror = () => reject(req.error);
        };
      }),
    store,
  );
}

async function fillHouseholdVisit(page: Page, head: string): Promise<void> {
  await page.getByLabel('Search the list').fill('Abubuya Central');
  await page.getByRole('radio', { name: 'Abubuya Central' }).check();
  await page.getByLabel('Household head name').fill(head);
  await page.getByLabel('Members').fill('5');
  await page.getByRole('radio', { name: 'Borehole' }).check();
  await page.getByLabel('Visit date').fill('2026-11-30');
  await page.getByRole('button', { name: 'Record location' }).click();
  await page.getByRole('button', { name: 'Record again' }).waitFor();
}

/** The kiosk element's wake lock state, as its controller knows it. */
function wakeLockState(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const kiosk = document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-kiosk') as
      (Element & { wakeLock: { state: string } }) | null | undefined;
    return kiosk ? `${kiosk.wakeLock.state}` : null;
  });
}

describe('a kiosk tablet', () => {
  it('serves strangers one after another, clears an abandoned form, and leaves only with the PIN', async () => {
    await withWorld(
      browser,
      async (w) => {
        const context = await browser.newContext({
          viewport: { width: 1280, height: 800 },
          geolocation: { latitude: -0.2419, longitude: 34.9194, accuracy: 5 },
          // Chromium grants the screen wake lock by default; a context given a list of permissions refuses the rest.
          permissions: ['geolocation', 'screen-wake-lock'],
        });
        context.setDefaultTimeout(120_000);
        try {
          const page = await context.newPage();
          page.on('pageerror', (e) => console.error('page error:', e));
          // The page's timers and clock are the test's to move; time also passes as usual.
          await page.clock.install();
          const { code } = await w.server.enrollment({
            name: 'Clinic desk',
            kiosk: true,
            formIds: ['household-visit'],
          });
          await page.goto(`${w.door.url}/enroll#code=${code}`);
          await page.getByText('This device is enrolled as Clinic desk (kiosk).').waitFor();
          await page.getByRole('link', { name: 'Set up kiosk mode' }).click();

          await page.getByLabel('Household visit').check();
          await page.getByLabel('Kiosk PIN').fill(PIN);
          await page.getByLabel('Repeat the PIN').fill(PIN);
          await page.getByRole('button', { name: 'Save and start kiosk mode' }).click();
          await page.getByLabel('Household head name').waitFor();
          assert.equal(new URL(page.url()).pathname, '/kiosk');
          assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);
          await until(async () => (await wakeLockState(page)) === 'held', 'the wake lock');

          // The first person.
          await fillHouseholdVisit(page, 'Akinyi Odhiambo');
          await page.getByLabel('Notes').fill('A private note about the household');
          await page.getByLabel('Take or choose photos').setInputFiles([await cameraJpeg(page, 3)]);
          await page.getByRole('button', { name: 'Remove photo 1' }).waitFor();
          await page.getByRole('button', { name: 'Save' }).click();
          await page.getByRole('heading', { name: 'Thank you' }).waitFor();
          // No timer on the thank-you: a long wait leaves it there, then it moves on by itself.
          await page.clock.fastForward(5_000);
          await page.getByRole('heading', { name: 'Thank you' }).waitFor();
          await page.clock.fastForward(1_500);
          await page.getByLabel('Household head name').waitFor();
          assert.equal(await page.getByLabel('Household head name').inputValue(), '');

          // The second person can reach nothing of the first.
          await page.setViewportSize({ width: 800, height: 1280 });
          assert.doesNotMatch(await pageText(page), /Akinyi|private note/);
          await page.goBack();
          await page.getByLabel('Household head name').waitFor();
          assert.equal(new URL(page.url()).pathname, '/kiosk');
          for (const path of ['/', '/outbox', '/map', '/diagnostics']) {
            await page.goto(`${w.door.url}${path}`);
            await page.getByLabel('Household head name').waitFor();
            assert.doesNotMatch(await pageText(page), /Akinyi|private note/, path);
            assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, path);
          }
          assert.deepEqual(await storedKeys(page, 'drafts'), []);
          const first = await until(
            async () => (await w.server.submissions()).find((s) => s.answers.head_name === 'Akinyi Odhiambo'),
            "the first person's submission on the server",
          );
          assert.equal(first?.photos.length, 1);
          // Once the server has it, the tablet keeps neither the record nor its photo; the count stays right.
          await until(
            async () =>
              (await storedKeys(page, 'submissions')).length === 0 &&
              (await storedKeys(page, 'photos')).length === 0,
            'the sent submission and its photo freed',
          );
          await page.getByText('Everything is sent.').waitFor();

          await fillHouseholdVisit(page, 'Baraka Mwangi');
          await page.getByRole('button', { name: 'Save' }).click();
          await page.getByRole('heading', { name: 'Thank you' }).waitFor();
          await page.getByRole('button', { name: 'Start a new form' }).click();

          // A third walks away half-way: "Still there?", then the form starts over.
          await page.getByLabel('Household head name').fill('Chebet Walked-Away');
          await page.clock.fastForward(59_000);
          assert.equal(await page.getByRole('dialog', { name: 'Still there?' }).count(), 0);
          await page.clock.fastForward(2_000);
          await page.getByRole('dialog', { name: 'Still there?' }).waitFor();
          await page.getByText(/starts over in\s+20\s+seconds/).waitFor();
          await page.clock.fastForward(20_000);
          await page.getByRole('dialog', { name: 'Still there?' }).waitFor({ state: 'hidden' });
          assert.equal(await page.getByLabel('Household head name').inputValue(), '');
          assert.doesNotMatch(await pageText(page), /Chebet|Baraka/);

          // Each submission arrived exactly once; the abandoned one never left the tablet.
          await until(async () => (await w.server.submissions()).length === 2, 'both submissions');
          const heads = (await w.server.submissions()).map((s) => s.answers.head_name).sort();
          assert.deepEqual(heads, ['Akinyi Odhiambo', 'Baraka Mwangi']);
          await page.getByText('Everything is sent.').waitFor();

          // Staff: wrong PINs make the next try wait, even with the right one.
          await page.evaluate(() => {
            const kiosk = document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-kiosk');
            (window as unknown as { heldLock: unknown }).heldLock = (
              kiosk as unknown as { wakeLock: unknown }
            ).wakeLock;
          });
          await page.getByRole('button', { name: 'Staff' }).click();
          const dialog = page.getByRole('dialog', { name: 'Staff only' });
          for (let i = 0; i < 5; i++) {
            await dialog.getByLabel('Kiosk PIN').fill(`00000${i}`);
            await dialog.getByRole('button', { name: 'Exit kiosk mode' }).click();
            await dialog
              .getByText(i < 4 ? `${4 - i} ${i === 3 ? 'try' : 'tries'} left` : 'try again in 30 seconds')
              .waitFor();
          }
          await dialog.getByLabel('Kiosk PIN').fill(PIN);
          await dialog.getByRole('button', { name: 'Exit kiosk mode' }).click();
          await dialog.getByText('Too many wrong PINs. Try again in 30 seconds.').waitFor();
          await page.clock.fastForward(31_000);
          await dialog.getByLabel('Kiosk PIN').fill(PIN);
          await dialog.getByRole('button', { name: 'Exit kiosk mode' }).click();
          await page.getByRole('navigation', { name: 'Main' }).waitFor();
          assert.equal(await wakeLockState(page), null);
          assert.equal(
            await page.evaluate(() => (window as unknown as { heldLock: { state: string } }).heldLock.state),
            'released',
          );
          assert.equal(new URL(page.url()).pathname, '/');
          // Staff see the outbox again; kiosk mode starts again from its settings without the PIN.
          await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Kiosk' }).click();
          await page.getByRole('button', { name: 'Start kiosk mode' }).click();
          await page.getByLabel('Household head name').waitFor();
          await until(async () => (await wakeLockState(page)) === 'held', 'the wake lock again');
        } finally {
          await context.close();
        }
      },
      {},
      { enroll: false },
    );
  });
});
