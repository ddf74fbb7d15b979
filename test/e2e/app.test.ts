/** The app as the server itself serves it: deep links, its Content-Security-Policy, the manifest. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { enrollContext, launchBrowser, ServerProcess } from './harness.js';

let browser: Browser;
let server: ServerProcess;
/** Enrolled as a device, at the address the pages use. */
let context: BrowserContext;
let url: string;
before(async () => {
  browser = await launchBrowser();
  server = new ServerProcess();
  await server.start();
  url = server.url.replace('127.0.0.1', 'localhost');
  context = await browser.newContext();
  await enrollContext(context, url, server);
});
after(async () => {
  await browser.close();
  await server.dispose();
});

describe('the app served by the server', () => {
  it('opens a deep link to a screen, with no Content-Security-Policy violation', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${url}/diagnostics`);
    await page.getByRole('heading', { name: 'Diagnostics' }).waitFor();
    await page.getByText('reachable (version').waitFor();
    await page.getByRole('link', { name: 'Forms', exact: true }).click();
    await page.getByRole('link', { name: 'Water point inspection' }).click();
    // A new form is stored as a draft at once and moves to its address, as the same screen: not drawn twice.
    const view = await page.waitForFunction(() =>
      document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-form-view'),
    );
    await page.waitForURL(/\/drafts\//);
    await page.getByLabel('People served').waitFor();
    assert.equal(
      await page.evaluate(
        (first) => first === document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-form-view'),
        view,
      ),
      true,
      'the form screen was replaced when its address changed',
    );
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('offers an installable web app manifest', async () => {
    const page = await context.newPage();
    await page.goto(url);
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    const res = await page.request.get(new URL(href ?? '', page.url()).href);
    assert.equal(res.status(), 200);
    const manifest = (await res.json()) as {
      name: string;
      start_url: string;
      display: string;
      icons: { sizes: string }[];
    };
    assert.equal(manifest.name, 'Fieldsync');
    assert.equal(manifest.display, 'standalone');
    for (const size of ['192x192', '512x512']) {
      assert.ok(
        manifest.icons.some((i) => i.sizes === size),
        `a ${size} icon`,
      );
    }
    await page.close();
  });
});
