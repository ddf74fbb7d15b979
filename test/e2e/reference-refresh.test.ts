/**
 * End to end: keeping the forms and choice lists fresh. The worker's
 * `periodicsync` handler is fired with DevTools' dispatchPeriodicSyncEvent
 * (a test browser never fires it: the permission is denied for an app that
 * is not installed), against the real server behind the front door.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { FormDef } from '../../shared/forms.js';
import {
  launchBrowser,
  root,
  until,
  withWorld as withFreshWorld,
  workerRegistrationId,
  type World,
} from './harness.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  return withFreshWorld(browser, fn);
}

/** Opens the app, waits for its worker and for the forms to be on the device. */
async function visit(w: World): Promise<void> {
  await w.page.goto(`${w.door.url}/`);
  await w.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await w.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await w.page.getByRole('link', { name: 'Water point inspection' }).first().waitFor();
}

interface Stored {
  reference: { etag: string | null; checkedAt: string; data: { forms: { id: string }[] } } | undefined;
  attempt: { at: string; outcome: string; message: string; by: string } | undefined;
}

/** The reference data and the last attempt, as the app's settings database holds them. */
function stored(page: Page): Promise<Stored> {
  return page.evaluate(
    () =>
      new Promise<Stored>((resolve, reject) => {
        const req = indexedDB.open('fieldsync-settings');
        req.onupgradeneeded = () => req.result.createObjectStore('settings');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const store = req.result.transaction('settings').objectStore('settings');
          const ref = store.get('reference');
          const attempt = store.get('referenceAttempt');
          attempt.onsuccess = () => {
            req.result.close();
            resolve({
              reference: ref.result as Stored['reference'],
              attempt: attempt.result as Stored['attempt'],
            });
          };
        };
      }),
  );
}

/** Fires the worker's `periodicsync` event now, as the browser's daily run would. */
async function periodicSyncFirer(w: World): Promise<(tag?: string) => Promise<void>> {
  const cdp = await w.context.newCDPSession(w.page);
  const scope = `${w.door.url}/`;
  const id = await workerRegistrationId(cdp, scope);
  return async (tag = 'reference-data') => {
    await cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', {
      origin: w.door.url,
      registrationId: id,
      tag,
    });
  };
}

/** Waits for a worker-made attempt newer than `since`. */
async function workerAttemptAfter(
  page: Page,
  since: string | undefined,
): Promise<NonNullable<Stored['attempt']>> {
  const attempt = await until(async () => {
    const { attempt } = await stored(page);
    return attempt && attempt.by === 'worker' && (!since || attempt.at > since) ? attempt : null;
  }, 'the periodic sync refresh to finish');
  return attempt!;
}

describe('the periodic reference data refresh', () => {
  it('brings a new form to the open page without a reload', async () => {
    const formsDir = await mkdtemp(join(tmpdir(), 'fieldsync-forms-'));
    await cp(join(root, 'server/demo-forms'), formsDir, { recursive: true });
    try {
      await withWorld(async (w) => {
        const { page, server } = w;
        await visit(w);
        await page.getByText(/Forms and lists refreshed/).waitFor();
        const fire = await periodicSyncFirer(w);
        const before = await stored(page);

        const original = JSON.parse(
          await readFile(join(formsDir, 'water-point-inspection.v1.json'), 'utf8'),
        ) as FormDef;
        const followUp: FormDef = {
          ...original,
          id: 'water-point-follow-up',
          title: 'Water point follow-up',
        };
        await writeFile(join(formsDir, 'water-point-follow-up.v1.json'), JSON.stringify(followUp));
        await server.kill();
        await server.start({ FORMS_DIR: formsDir });
        let navigations = 0;
        page.on('framenavigated', () => navigations++);

        await fire();
        const attempt = await workerAttemptAfter(page, before.attempt?.at);
        assert.equal(attempt.outcome, 'updated');
        await page.getByRole('link', { name: 'Water point follow-up' }).waitFor();
        assert.equal(navigations, 0, 'the page was not reloaded');
        const after = await stored(page);
        assert.notEqual(after.reference!.etag, before.reference!.etag);
        assert.ok(after.reference!.data.forms.some((f) => f.id === 'water-point-follow-up'));
      });
    } finally {
      await rm(formsDir, { recursive: true, force: true });
    }
  });

  it('changes only the check time when the server answers 304', async () => {
    await withWorld(async (w) => {
      const { page, door } = w;
      await visit(w);
      const fire = await periodicSyncFirer(w);
      const before = await stored(page);
      door.apiLog.length = 0;
      await fire();
      const attempt = await workerAttemptAfter(page, before.attempt?.at);
      assert.equal(attempt.outcome, 'unchanged');
      // One conditional request for the reference data; the same event asks for reviewers' feedback too.
      assert.deepEqual(
        door.apiLog.filter((r) => r.startsWith('GET /api/reference')),
        ['GET /api/reference'],
      );
      assert.ok(door.apiLog.includes('GET /api/feedback'), door.apiLog.join(', '));
      const after = await stored(page);
      assert.ok(after.reference!.checkedAt > before.reference!.checkedAt);
      assert.deepEqual({ ...after.reference, checkedAt: before.reference!.checkedAt }, before.reference);
    });
  });

  it('keeps the old data when the answer is not reference data, or the server is gone', async () => {
    await withWorld(async (w) => {
      const { page, door, server } = w;
      await visit(w);
      const fire = await periodicSyncFirer(w);
      const good = await stored(page);

      // A 200 whose body is an error object: valid JSON, but no forms or lists.
      door.fault = { status: 200, count: 1 };
      await fire();
      const malformed = await workerAttemptAfter(page, good.attempt?.at);
      assert.equal(malformed.outcome, 'failed');
      assert.match(malformed.message, /cannot use/);
      assert.deepEqual((await stored(page)).reference, good.reference);

      await server.kill();
      await fire();
      const down = await workerAttemptAfter(page, malformed.at);
      assert.equal(down.outcome, 'failed');
      assert.match(down.message, /could not be reached/);
      assert.deepEqual((await stored(page)).reference, good.reference);
      await page.getByRole('link', { name: 'Water point inspection' }).first().waitFor();

      await page.getByRole('link', { name: 'Diagnostics' }).click();
      await page.getByText(/by the service worker: failed\. The server could not be reached/).waitFor();
    });
  });
});

describe('refreshing without Periodic Background Sync', () => {
  it('does not fetch fresh data again at start-up, but refreshes when the browser comes back online', async () => {
    await withWorld(async (w) => {
      const { page, door, context } = w;
      await visit(w);
      const first = await stored(page);
      door.apiLog.length = 0;
      await page.reload();
      await page.getByRole('link', { name: 'Water point inspection' }).first().waitFor();
      await page.getByRole('link', { name: 'Outbox' }).waitFor();
      assert.deepEqual(
        door.apiLog.filter((r) => r === 'GET /api/reference'),
        [],
        'data a minute old is not fetched again',
      );

      await context.setOffline(true);
      await context.setOffline(false);
      await until(async () => door.apiLog.includes('GET /api/reference'), 'a refresh when back online');
      await until(
        async () => ((await stored(page)).reference?.checkedAt ?? '') > (first.reference?.checkedAt ?? ''),
        'the check time moves',
      );
    });
  });
});

describe('registering the periodic sync', () => {
  it('falls back quietly when the permission is denied, and says why in diagnostics', async () => {
    await withWorld(async (w) => {
      const { page } = w;
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await visit(w);
      assert.equal(
        await page.evaluate(() =>
          navigator.permissions
            .query({ name: 'periodic-background-sync' as PermissionName })
            .then((p) => p.state),
        ),
        'denied',
      );
      assert.equal(await page.getByRole('alert').count(), 0);
      await page.getByRole('link', { name: 'Diagnostics' }).click();
      const section = page.getByRole('definition').filter({ hasText: 'not-allowed' });
      await section
        .getByText(/does not allow background refresh for this site \(permission: denied\)/)
        .waitFor();
      assert.deepEqual(errors, []);
    });
  });

  it('unregisters the tag when background refresh is turned off', async () => {
    await withWorld(async (w) => {
      const { page, context } = w;
      // Granting the permission through DevTools, for this browser context (without
      // browserContextId it lands on the default context), lets register succeed.
      const cdp = await context.newCDPSession(page);
      await page.goto(`${w.door.url}/diagnostics`);
      const { targetInfo } = await cdp.send('Target.getTargetInfo');
      await cdp.send('Browser.setPermission', {
        permission: { name: 'periodic-background-sync' },
        setting: 'granted',
        origin: w.door.url,
        browserContextId: targetInfo.browserContextId,
      });
      await page.addInitScript(() => {
        const calls: string[] = [];
        (window as unknown as { unregisterCalls: string[] }).unregisterCalls = calls;
        const proto = (globalThis as unknown as { PeriodicSyncManager: { prototype: PeriodicSyncManager } })
          .PeriodicSyncManager.prototype;
        const original = proto.unregister;
        proto.unregister = function (tag: string) {
          calls.push(tag);
          return original.call(this, tag);
        };
      });
      await page.reload();
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      const tags = () =>
        page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.periodicSync!.getTags()));
      await until(async () => (await tags()).includes('reference-data'), 'the tag to be registered');

      const setting = page.getByRole('checkbox', { name: /Refresh forms and lists in the background/ });
      await page.getByRole('link', { name: 'Diagnostics' }).click();
      await setting.waitFor();
      assert.equal(await setting.isChecked(), true);
      await setting.uncheck();
      await page.getByText('off: Background refresh is turned off.').waitFor();
      assert.deepEqual(
        await page.evaluate(() => (window as unknown as { unregisterCalls: string[] }).unregisterCalls),
        ['reference-data'],
      );
      assert.deepEqual(await tags(), []);

      // The setting is kept: after a reload nothing registers the tag again.
      await page.reload();
      await setting.waitFor();
      assert.equal(await setting.isChecked(), false);
      assert.deepEqual(await tags(), []);
    });
  });
});
