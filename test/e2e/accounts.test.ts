/**
 * Accounts end to end, in Chromium against the real server: the first start's
 * set-up link, a device revoked while it holds submissions and enrolled again
 * (on the page path and on the Background Sync path), and text from users and
 * administrators shown as text on the device's screens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { fillDemoForm } from './demo-form.js';
import {
  cameraJpeg,
  launchBrowser,
  openMapPopup,
  outboxRecord,
  outboxStatuses,
  seedOutbox,
  sendNow,
  ServerProcess,
  until,
  withWorld,
  type World,
} from './harness.js';

const NO_LONGER =
  'This device is no longer enrolled: nothing is lost; ask your supervisor for a new QR code.';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

/** Captures the demo form through the app, from the forms list; resolves once saved. */
async function capture(page: Page, seed: number): Promise<string> {
  await page.getByRole('link', { name: 'Forms', exact: true }).click();
  await page.getByRole('link', { name: 'Water point inspection' }).click();
  await page.getByLabel('People served').waitFor();
  await fillDemoForm(page, { photos: [await cameraJpeg(page, seed)] });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
  const id = await page.locator('li[data-id]').first().getAttribute('data-id');
  assert.ok(id, 'the outbox lists the submission');
  return id;
}

/** Opens an enrollment link on the page and waits until the app says which device it is. */
async function openEnrollmentLink(w: World, name: string): Promise<void> {
  const { url } = await w.server.enrollment({ name });
  const { hash } = new URL(url);
  await w.page.goto(`${w.door.url}/enroll${hash}`);
  await w.page.getByText(`This device is enrolled as ${name}`).waitFor();
  assert.equal(new URL(w.page.url()).hash, '', 'the code left the address at once');
}

describe('the first start', () => {
  it('sets up the administrator from the printed link, uses this browser as a device, delivers a capture, adds a supervisor and a phone', async () => {
    const server = new ServerProcess();
    await server.start();
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      geolocation: { latitude: -0.0917, longitude: 34.768, accuracy: 6 },
      permissions: ['geolocation'],
    });
    context.setDefaultTimeout(120_000);
    try {
      const link = await until(
        async () => /http:\/\/\S+\/setup#token=[\w-]{43}/.exec(server.output)?.[0] ?? '',
        'the set-up link on the server output',
      );
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error('page error:', e));
      await page.goto(link);
      await page.getByRole('heading', { name: 'Set up Fieldsync' }).waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the token left the address at once');

      await page.getByLabel('Username').fill('amina');
      await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
      await page.getByLabel('Password again').fill('a long enough passphrase');
      await page.getByRole('button', { name: 'Create the administrator' }).click();
      await page.getByText('The administrator amina is created, and signed in on this browser.').waitFor();

      await page.getByRole('button', { name: 'Use this browser as a device' }).click();
      await page.getByText('This browser is enrolled as the device This browser.').waitFor();
      await page
        .getByRole('list', { name: 'Forms of this device' })
        .getByText('Water point inspection')
        .waitFor();

      await page.getByRole('link', { name: 'Open the forms' }).click();
      const id = await capture(page, 1);
      await page.locator(`li[data-id="${id}"]`).getByText('Sent', { exact: true }).waitFor();
      const held = await server.submissions();
      assert.deepEqual(
        held.map((s) => [s.id, s.sentBy?.deviceName]),
        [[id, 'This browser']],
      );

      // The administrator adds a supervisor from the navigation's Users screen.
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      await page.getByLabel('Username').fill('baraka');
      await page.getByLabel('Password', { exact: true }).fill('baraka passphrase 1');
      await page.getByLabel('Only these forms').check();
      await page.getByLabel('Water point inspection').check();
      await page.getByRole('button', { name: 'Add the user' }).click();
      await page.getByText('baraka can sign in now, as supervisor.').waitFor();

      // …and a phone from the Devices screen: a QR code and its link, opened on the phone.
      await nav.getByRole('link', { name: 'Devices' }).click();
      await page.getByLabel('Name').fill('Kisumu team phone 3');
      await page.getByRole('button', { name: 'Create an enrollment link' }).click();
      await page
        .getByRole('img', { name: 'QR code of the enrollment link for Kisumu team phone 3' })
        .waitFor();
      const enrollmentLink = await page.getByLabel('Enrollment link').inputValue();

      const phone = await browser.newContext({ viewport: { width: 320, height: 640 } });
      phone.setDefaultTimeout(120_000);
      try {
        const onPhone = await phone.newPage();
        await onPhone.goto(enrollmentLink);
        await onPhone.getByText('This device is enrolled as Kisumu team phone 3').waitFor();
        // A device is not a person: the navigation offers signing in, not the administrator's screens.
        const phoneNav = onPhone.getByRole('navigation', { name: 'Main' });
        await phoneNav.getByRole('link', { name: 'Sign in' }).waitFor();
        assert.equal(await phoneNav.getByRole('link', { name: 'Users' }).count(), 0);

        // The supervisor signs in there: named in the navigation, and kept out of the users screen.
        await phoneNav.getByRole('link', { name: 'Sign in' }).click();
        await onPhone.getByLabel('Username').fill('baraka');
        await onPhone.getByLabel('Password').fill('baraka passphrase 1');
        await onPhone.getByRole('button', { name: 'Sign in' }).click();
        await onPhone.getByText('Signed in as baraka, supervisor.').waitFor();
        await phoneNav.getByRole('link', { name: 'Signed in as baraka' }).waitFor();
        assert.equal(await phoneNav.getByRole('link', { name: 'Devices' }).count(), 0);
        await onPhone.goto(`${new URL(enrollmentLink).origin}/users`);
        await onPhone.getByText('Only an administrator manages users: sign in as one.').waitFor();
      } finally {
        await phone.close();
      }
      const devices = await page.evaluate(async () => (await fetch('/api/devices')).json());
      assert.ok(
        (devices as { name: string; enrolledAt: string | null }[]).some(
          (d) => d.name === 'Kisumu team phone 3' && d.enrolledAt,
        ),
        'the phone is enrolled',
      );
    } finally {
      await context.close();
      await server.dispose();
    }
  });
});

describe('a device revoked while it holds submissions', () => {
  it('keeps them, says why on every screen, and sends each once after enrolling again (page path)', async () => {
    await withWorld(browser, async (w) => {
      const { page, server, door } = w;
      await page.goto(door.url);
      await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
      await server.adminCli(['revoke-device', w.device!.id]);

      const ids = await seedOutbox(page, 3);
      // Start-up: the server no longer knows the device, and the sender's first try hears the same.
      await page.reload();
      await page.getByText(NO_LONGER).waitFor();
      // A first try begins with the photos.
      await until(async () => door.apiLog.some((r) => r.startsWith('PUT /api/')), 'a try to send');
      await page.getByRole('link', { name: /Outbox/ }).click();
      await page.getByText(NO_LONGER).waitFor();
      await page.getByText('3 submissions not yet sent.').waitFor();
      await sendNow(page);
      await until(async () => {
        const records = await Promise.all(ids.map((id) => outboxRecord(page, id)));
        return records.every((r) => r?.status === 'queued' && r.attempts === 0 && r.lastError === null);
      }, 'every submission queued, no try counted');
      for (const screen of ['Map', 'Diagnostics']) {
        await page.getByRole('link', { name: screen }).click();
        await page.getByRole('heading', { name: screen, level: 1 }).waitFor();
        await page.getByText(NO_LONGER).waitFor();
      }
      assert.equal((await server.submissions()).length, 0);

      await openEnrollmentLink(w, 'Team phone 1');
      await page.getByRole('link', { name: 'Open the outbox' }).click();
      await until(
        async () => Object.values(await outboxStatuses(page)).every((s) => s === 'sent'),
        'all three sent',
      );
      assert.equal(await page.getByText(NO_LONGER).count(), 0, 'the outbox no longer says so');
      const held = await server.submissions();
      assert.deepEqual(held.map((s) => s.id).sort(), [...ids].sort(), 'each arrived, none twice');
      assert.ok(held.every((s) => s.sentBy?.deviceName === 'Team phone 1'));
    });
  });

  it("ends the worker's sync event rather than failing it, and delivers once enrolled again (Background Sync path)", async () => {
    await withWorld(browser, async (w) => {
      const { page, context, server, door } = w;
      await context.grantPermissions(['background-sync']);
      await page.goto(door.url);
      await page.getByRole('link', { name: 'Water point inspection' }).waitFor();
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      await server.revoke(w.device!.id);

      // Saved offline, so that the worker, not this page, meets the refusal: the page is closed before the network is back.
      await context.setOffline(true);
      const id = await capture(page, 2);
      await until(async () => (await outboxRecord(page, id))?.attempts === 1, 'the try made offline');
      await page.close();
      const puts = () => door.apiLog.filter((r) => r === `PUT /api/submissions/${id}`).length;
      await context.setOffline(false);
      await until(async () => puts() >= 1, 'the worker trying once the network is back');

      // A page of the origin that is not the app: it sends nothing itself.
      const probe = await context.newPage();
      await probe.goto(`${door.url}/api/health`);
      const tags = () =>
        probe.evaluate(() =>
          navigator.serviceWorker.ready.then((r) =>
            (r as ServiceWorkerRegistration & { sync: SyncManager }).sync.getTags(),
          ),
        );
      // A failed event would keep its tag for the browser's retry in about five minutes.
      await until(async () => (await tags()).length === 0, 'the sync event ended, its tag gone');
      assert.deepEqual(await outboxRecord(probe, id), {
        status: 'queued',
        attempts: 1,
        lastError: 'This device has no network connection.',
      });
      assert.equal((await server.submissions()).length, 0);

      w.page = await context.newPage();
      await openEnrollmentLink(w, 'Team phone 2');
      await until(async () => (await outboxStatuses(w.page))[id] === 'sent', 'sent once enrolled again');
      await until(async () => (await tags()).length === 0, 'no tag left behind');
      const held = await server.submissions();
      assert.deepEqual(
        held.map((s) => [s.id, s.sentBy?.deviceName]),
        [[id, 'Team phone 2']],
      );
    });
  });
});

describe('text from users and administrators', () => {
  it('is shown as text on the outbox, the map and the diagnostics, and never runs', async () => {
    await withWorld(browser, async (w) => {
      const { page, door } = w;
      const xss = '<img src=x onerror="window.__xss=(window.__xss||0)+1">';
      await openEnrollmentLink(w, `Phone ${xss}`);
      const [id] = await seedOutbox(page, 1);
      // As the server might answer: an unknown form, and messages that quote what was sent.
      await page.evaluate(
        ({ id, xss }) =>
          new Promise<void>((resolve, reject) => {
            const open = indexedDB.open('fieldsync-submissions');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const store = open.result.transaction('submissions', 'readwrite').objectStore('submissions');
              const get = store.get(id);
              get.onsuccess = () => {
                const r = get.result as {
                  payload: { formId: string; answers: Record<string, unknown> };
                } & Record<string, unknown>;
                r.payload.formId = xss;
                r.payload.answers.notes = xss;
                r.status = 'rejected';
                r.lastError = xss;
                r.rejection = {
                  error: 'validation_failed',
                  message: xss,
                  problems: [{ field: xss, message: xss }],
                };
                store.put(r, id).onsuccess = () => {
                  open.result.close();
                  resolve();
                };
              };
            };
          }),
        { id: id!, xss },
      );
      await page.goto(`${door.url}/outbox`);
      await page.getByRole('heading', { name: xss, level: 2 }).waitFor();
      await page.getByText(`${xss}: ${xss}`).waitFor();

      await page.getByRole('link', { name: 'Map' }).click();
      await openMapPopup(page, id!);
      // In the marker's popup, and in the list beside the map.
      await page
        .getByRole('region', { name: /^Map of submissions/ })
        .getByText(`Refused by the server: ${xss}`)
        .waitFor();
      await page
        .getByRole('list', { name: /^In the map's view/ })
        .getByText(`Refused by the server: ${xss}`)
        .waitFor();

      await page.getByRole('link', { name: 'Diagnostics' }).click();
      await page.getByText(`enrolled as “Phone ${xss}”`).waitFor();
      await page.getByText(`${xss} saved`).waitFor();

      const ran = await page.evaluate(() => (window as Window & { __xss?: number }).__xss ?? 0);
      assert.equal(ran, 0, 'no injected handler ran');
      const images = await page.evaluate(() => {
        let found = 0;
        const walk = (root: Document | ShadowRoot) => {
          found += root.querySelectorAll('img[src="x"]').length;
          for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
        };
        walk(document);
        return found;
      });
      assert.equal(images, 0, 'no injected element in the page');
    });
  });
});
