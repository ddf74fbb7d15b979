/**
 * Review end to end, in Chromium against the real server, as people use it:
 * a field worker's phone sends a submission; a supervisor sees it arrive
 * without reloading and sends it back with a comment; a second supervisor
 * watching the same screen sees that live; the phone shows the comment, the
 * field worker fixes and saves; the correction arrives linked to the
 * original, and the supervisor approves it; the second approves the
 * rejected set in bulk, and the first sees that live, then exports what the
 * filter shows.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ReviewPage } from '../../shared/review.js';
import { fillDemoForm } from './demo-form.js';
import { cameraJpeg, launchBrowser, withWorld, type World } from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

const SUPERVISOR = { username: 'baraka', password: 'baraka passphrase 1' };
const OTHER_SUPERVISOR = { username: 'chebet', password: 'chebet passphrase 2' };

/** A desktop browser signed in at the front door, on the review screen. */
async function reviewer(w: World, who: { username: string; password: string }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${w.door.url}/signin`);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${who.username}`).first().waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review' }).click();
  await page.getByText('Live: new submissions and reviews appear as they happen.').waitFor();
  return context;
}

/** The row of the review table showing this text. */
function row(page: Page, text: string) {
  return page.getByRole('list', { name: 'Submissions' }).getByRole('button').filter({ hasText: text });
}

describe('reviewing, live, with the field worker in the loop', () => {
  it('a submission sent back with a comment comes back fixed, linked to it, and is approved', async () => {
    await withWorld(browser, async (w) => {
      const { page: phone, server } = w;
      for (const who of [SUPERVISOR, OTHER_SUPERVISOR]) {
        await server.adminCli(
          [
            'create-user',
            '--username',
            who.username,
            '--role',
            'supervisor',
            '--forms',
            'water-point-inspection',
          ],
          `${who.password}\n`,
        );
      }
      const supervisor = await reviewer(w, SUPERVISOR);
      const watcher = await reviewer(w, OTHER_SUPERVISOR);
      try {
        const screen = supervisor.pages()[0]!;
        const watching = watcher.pages()[0]!;

        // The field worker captures; the supervisor's screen shows it without a reload.
        await phone.goto(w.door.url);
        await phone.getByRole('link', { name: 'Water point inspection' }).click();
        await phone.getByLabel('People served').waitFor();
        await fillDemoForm(phone, { condition: 'Broken', photos: [await cameraJpeg(phone, 7)] });
        await phone.getByRole('button', { name: 'Save' }).click();
        await phone.getByRole('heading', { name: 'Outbox' }).waitFor();
        const id = (await phone.locator('li[data-id]').first().getAttribute('data-id'))!;
        await phone.locator(`li[data-id="${id}"]`).getByText('Sent', { exact: true }).waitFor();

        const arrived = row(screen, 'Broken (broken)');
        await arrived.getByText('New').waitFor();
        await arrived.click();
        await screen.getByText('Not reviewed yet.').waitFor();
        await screen.getByLabel('Comment').fill('The photo shows another pump: take one of this one.');
        await screen.getByRole('button', { name: 'Reject' }).click();
        await screen.getByText(`${SUPERVISOR.username} changed Received to Rejected`).waitFor();

        // The other supervisor, on the same screen elsewhere, sees the rejection as it happens.
        await row(watching, 'Broken (broken)').getByText('Rejected').waitFor();

        // The phone learns of it when the app is next opened, and the field worker fixes it.
        await phone.reload();
        await phone.getByRole('link', { name: 'Outbox' }).first().click();
        const returned = phone.locator(`li[data-id="${id}"]`);
        await returned.getByText('The photo shows another pump: take one of this one.').waitFor();
        await returned.getByRole('button', { name: /^Fix Water point inspection/ }).click();
        await phone.getByText('Saving sends your correction as a new submission').waitFor();
        await phone.getByRole('radio', { name: 'Needs repair' }).check();
        await phone.getByRole('button', { name: 'Save' }).click();
        await phone.getByRole('heading', { name: 'Outbox' }).waitFor();
        await phone
          .getByText('Your correction is saved and goes to the reviewer as a new submission.')
          .waitFor();

        // The correction arrives beside the original, which is still open on the supervisor's screen.
        const corrections = screen.getByRole('list', { name: 'Corrections' });
        await corrections.getByText(/approved|received/i).waitFor();
        await row(screen, 'Needs repair (needs_repair)').getByText('New').waitFor();
        await corrections.getByRole('button', { name: 'Open the correction' }).click();
        await screen.getByText('A correction of a submission returned').waitFor();
        await screen.getByRole('button', { name: 'Approve' }).click();
        await screen.getByText(`${SUPERVISOR.username} changed Received to Approved`).waitFor();
        await row(watching, 'Needs repair (needs_repair)').getByText('Approved').waitFor();

        // The other supervisor approves, in bulk, all that the filter "Rejected" shows, after seeing how
        // many; the first sees it happen.
        await watching.getByLabel('State').selectOption({ label: 'Rejected' });
        await row(watching, 'Broken (broken)').waitFor();
        await watching.getByRole('button', { name: 'Review all that match…' }).click();
        const dialog = watching.getByRole('dialog', { name: 'Review all that match' });
        await dialog.getByText('1 submission matches the filter now').waitFor();
        await dialog.getByLabel('Approved').check();
        await dialog.getByLabel('Comment').fill('Accepted with the correction.');
        await dialog.getByRole('button', { name: 'Apply to 1 submission' }).click();
        await watching.getByText('1 submission marked Approved.').waitFor();
        await row(screen, 'Broken (broken)').getByText('Approved').waitFor();

        // The supervisor exports what the filter shows: this form's two, as the screen shows them.
        await screen.getByLabel('Form').selectOption({ label: 'Water point inspection' });
        await row(screen, 'Needs repair (needs_repair)').waitFor();
        const [download] = await Promise.all([
          screen.waitForEvent('download'),
          screen.getByRole('link', { name: 'CSV' }).click(),
        ]);
        const csv = parse(await readFile(await download.path()), { bom: true, columns: true }) as Record<
          string,
          string
        >[];
        assert.deepEqual(
          csv.map((r) => [r['Submission ID'], r['Review state'], r['Last review comment']]).sort(),
          [
            [id, 'approved', 'Accepted with the correction.'],
            [csv.find((r) => r['Submission ID'] !== id)!['Submission ID'], 'approved', ''],
          ].sort(),
        );

        // As the server holds it: one correction, linked, approved; the original approved in bulk.
        const res = await server.get('/api/review/submissions?form=water-point-inspection');
        const held = (await res.json()) as ReviewPage;
        assert.equal(held.items.length, 2);
        const byId = new Map(held.items.map((i) => [i.submission.id, i]));
        const correction = held.items.find((i) => i.submission.id !== id)!;
        assert.equal(correction.submission.correctionOf, id);
        assert.equal(correction.reviewState, 'approved');
        assert.equal(byId.get(id)!.reviewState, 'approved');
      } finally {
        await supervisor.close();
        await watcher.close();
      }
    });
  });
});
