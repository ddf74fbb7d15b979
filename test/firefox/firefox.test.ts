/**
 * End to end in Firefox ESR, driven over WebDriver BiDi by puppeteer-core:
 * the app opened once online, reopened with its origin out of reach, a
 * submission with a photo saved there, and delivered exactly once when the
 * network and the server are back. Firefox has no Background Sync, so the
 * page itself sends.
 *
 * The origin is out of reach twice over: the front door stops listening
 * (nothing answers at the app's address), and BiDi's
 * emulation.setNetworkConditions puts the tab offline, so navigator.onLine is
 * false and going back online fires the `online` event the app sends on.
 * The emulation alone would not do: in Firefox 153 it covers the tab's own
 * requests, but the service worker's fetches still reach the network. And a
 * document loaded while the tab is emulated offline sees navigator.onLine
 * turn true without an `online` event, so the tab goes offline after the
 * reload, not before.
 * Firefox has no location service here: permissions.setPermission grants
 * geolocation and emulation.setGeolocationOverride gives the tab a position.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { launchFirefox } from '../support/firefox.js';
import { sites } from '../e2e/demo-form.js';
import { FrontDoor, paintCameraJpeg, ServerProcess, until } from '../e2e/harness.js';

const POSITION = { latitude: -0.0917, longitude: 34.768, accuracy: 6 };
/** Long enough for a busy machine; every wait ends as soon as its state is reached. */
const PATIENCE_MS = 60_000;

let browser: Browser;
before(async () => {
  browser = await launchFirefox();
});
after(async () => {
  await browser?.close();
});

/**
 * The document and each open shadow root in it. Firefox's accessibility
 * locator (browsingContext.locateNodes) searches only the tree it starts
 * from, never inside shadow roots, and the app's elements all have one.
 */
async function searchRoots(page: Page): Promise<ElementHandle<Node>[]> {
  const list = await page.evaluateHandle(() => {
    const found: Node[] = [document];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) {
          found.push(el.shadowRoot);
          visit(el.shadowRoot);
        }
      }
    };
    visit(document);
    return found;
  });
  const roots = [...(await list.getProperties()).values()].flatMap((h) => h.asElement() ?? []);
  await list.dispose();
  return roots;
}

interface Query {
  /** An ARIA role as Firefox computes it; any role when omitted. */
  role?: string;
  /** The accessible name, matched whole as Firefox computes it. */
  name?: string;
  /** Instead of a name: text the element contains (a link named by a title and a description, a status). */
  text?: string;
}

const describeQuery = (q: Query) => `${q.role ?? 'element'} "${q.name ?? q.text ?? ''}"`;

/** The first element in the page that answers the query, or null. */
async function query(page: Page, q: Query): Promise<ElementHandle<Element> | null> {
  const selector = `::-p-aria(${q.role ? `[role="${q.role}"]` : ''}${q.name ? `[name="${q.name}"]` : ''})`;
  const contains = (e: Element, text: string) => !!e.textContent?.includes(text);
  const roots = await searchRoots(page);
  // One round trip per root, all at once: the form has dozens of roots.
  const found = (await Promise.all(roots.map((r) => r.$$(selector)))).flat() as ElementHandle<Element>[];
  let hit: ElementHandle<Element> | null = null;
  for (const el of found) {
    if (!hit && (q.text === undefined || (await el.evaluate(contains, q.text)))) hit = el;
    else await el.dispose();
  }
  await Promise.all(roots.map((r) => r.dispose()));
  return hit;
}

/** Waits until an element answering the query is in the page. */
async function find(page: Page, q: Query): Promise<ElementHandle<Element>> {
  return (await until(() => query(page, q), describeQuery(q), PATIENCE_MS))!;
}

async function click(page: Page, q: Query): Promise<void> {
  const el = await find(page, q);
  await el.click();
  await el.dispose();
}

/** Clicks a radio button or checkbox and waits until it shows as chosen. */
async function check(page: Page, q: Query): Promise<void> {
  await click(page, q);
  await until(
    async () => {
      const el = await query(page, q);
      const checked = await el?.evaluate((e) => (e as HTMLInputElement).checked);
      await el?.dispose();
      return checked;
    },
    `${describeQuery(q)} checked`,
    PATIENCE_MS,
  );
}

async function type(page: Page, q: Query, text: string): Promise<void> {
  const el = await find(page, q);
  await el.type(text);
  assert.equal(
    await el.evaluate((e) => (e as HTMLInputElement).value),
    text,
    `typed into ${describeQuery(q)}`,
  );
  await el.dispose();
}

/** Waits until the outbox item shows one of these statuses; resolves to the submission's id. */
async function waitForStatus(page: Page, title: string, statuses: string[]): Promise<string> {
  const id = await until(
    async () => {
      const item = await query(page, { role: 'listitem', name: title });
      const id = await item?.evaluate(
        (li, want) =>
          [...li.querySelectorAll('*')].some((e) => want.includes(e.textContent?.trim() ?? '')) &&
          (li as HTMLElement).dataset.id,
        statuses,
      );
      await item?.dispose();
      return id || null;
    },
    `"${title}" ${statuses.join(' or ')} in the outbox`,
    PATIENCE_MS,
  );
  return id!;
}

/**
 * Enrolls Firefox by the link an administrator makes (/enroll#code=…), then
 * waits until the app's service worker controls the page and the device's
 * forms are there.
 */
async function firstVisit(page: Page, url: string, server: ServerProcess): Promise<void> {
  const { code } = await server.enrollment({ name: 'Firefox' });
  await page.goto(`${url}/enroll#code=${code}`);
  await find(page, { role: 'status', text: 'This device is enrolled as Firefox' });
  assert.equal(new URL(page.url()).hash, '', 'the code leaves the address at once');
  await page.goto(url);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  // The worker registered on the enrollment page may have claimed its clients
  // while this page was still loading, which a claim can miss; a page loaded
  // once the worker is active is controlled from the start.
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, { timeout: PATIENCE_MS });
  await find(page, { role: 'link', text: 'Water point inspection' });
}

/** The submission's photo references as the device keeps them, with the SHA-256 of each stored photo's bytes. */
function devicePhotos(
  page: Page,
  id: string,
): Promise<{ sha256: string; bytes: number; storedHash: string }[]> {
  return page.evaluate(async (id) => {
    const get = (db: string, store: string, key: string) =>
      new Promise<unknown>((resolve, reject) => {
        const open = indexedDB.open(db);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction(store).objectStore(store).get(key);
          req.onsuccess = () => {
            open.result.close();
            resolve(req.result);
          };
          req.onerror = () => reject(req.error);
        };
      });
    const hex = (buf: ArrayBuffer) =>
      [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const sub = (await get('fieldsync-submissions', 'submissions', id)) as {
      payload: { photos: { sha256: string; bytes: number }[] };
    };
    const out = [];
    for (const { sha256, bytes } of sub.payload.photos) {
      const photo = (await get('fieldsync-photos', 'photos', sha256)) as { data: ArrayBuffer };
      out.push({ sha256, bytes, storedHash: hex(await crypto.subtle.digest('SHA-256', photo.data)) });
    }
    return out;
  }, id);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Firefox ESR', () => {
  it('keeps a submission with a photo saved offline, and delivers it exactly once when the server is back', async () => {
    const server = new ServerProcess();
    await server.start();
    const door = new FrontDoor(server);
    await door.start();
    const context = await browser.createBrowserContext();
    const files = await mkdtemp(join(tmpdir(), 'fieldsync-firefox-'));
    try {
      await context.overridePermissions(door.url, ['geolocation']);
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error('page error:', e));
      await page.setViewport({ width: 390, height: 844 });
      await page.setGeolocation(POSITION);
      await firstVisit(page, door.url, server);

      await server.kill();
      await door.stop();
      await page.reload();
      // Nothing listens at the app's address: this page came from the service worker.
      await find(page, { role: 'link', text: 'Water point inspection' });
      // After the reload: a page Firefox loads under the emulation never gets its first `online` event.
      await page.setOfflineMode(true);
      await find(page, { role: 'status', text: 'Offline: everything you save is kept on this device' });

      // A camera picture encoded by Firefox itself, attached as a file.
      const photoFile = join(files, 'photo-1.jpg');
      await writeFile(photoFile, Buffer.from(await page.evaluate(paintCameraJpeg, 1)));

      await click(page, { role: 'link', text: 'Water point inspection' });
      const site = sites[0]!.label;
      await type(page, { role: 'searchbox', name: 'Search the list' }, site);
      await check(page, { role: 'radio', name: site });
      await check(page, { role: 'radio', name: 'Working' });
      await type(page, { role: 'textbox', name: 'People served' }, '120');
      await click(page, { role: 'button', name: 'Record location' });
      await find(page, { role: 'button', name: 'Record again' });
      // The file input hides behind its label, which users see as the button.
      const label = await find(page, { name: 'Take or choose photos' });
      const input = (await label.evaluateHandle(
        (l) => (l as HTMLLabelElement).control!,
      )) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(photoFile);
      await find(page, { role: 'button', name: 'Remove photo 1' });
      await click(page, { role: 'button', name: 'Save' });
      await find(page, { role: 'heading', name: 'Outbox' });
      const id = await waitForStatus(page, 'Water point inspection', ['Queued', 'Waiting']);

      await door.start();
      await server.start();
      await page.setOfflineMode(false);
      assert.equal(await waitForStatus(page, 'Water point inspection', ['Sent']), id);

      const held = await server.submissions();
      assert.equal(held.length, 1, 'delivered once');
      const sub = held[0]!;
      assert.equal(sub.id, id);
      // The app resizes and re-encodes the attached photo: what it stored is what the server must hold.
      const stored = await devicePhotos(page, id);
      assert.equal(stored.length, 1);
      assert.deepEqual(
        sub.photos.map((p) => [p.sha256, p.bytes]),
        stored.map((p) => [p.sha256, p.bytes]),
      );
      for (const photo of stored) {
        assert.equal(photo.storedHash, photo.sha256, 'the device names the photo by its bytes');
        const bytes = Buffer.from(await (await server.get(`/api/photos/${photo.sha256}`)).arrayBuffer());
        assert.equal(sha256(bytes), photo.sha256, 'the server holds exactly the bytes the device stored');
        assert.equal(bytes.length, photo.bytes);
      }
      assert.ok(
        sub.location &&
          Math.abs(sub.location.lat - POSITION.latitude) < 1e-6 &&
          Math.abs(sub.location.lon - POSITION.longitude) < 1e-6,
        'the location given to Firefox',
      );
    } finally {
      await context.close();
      await door.stop();
      await server.dispose();
      await rm(files, { recursive: true, force: true });
    }
  });
});
