/**
 * A supervisor's review screen, open on the server (not behind the fault
 * door: the supervisor's office has a steady link) through the whole chaos
 * run, in a browser of its own that is never killed. Server kills still cut
 * its live stream. At the end it must show every submission the server
 * holds, each once, without a reload.
 */
import type { Browser, Page } from 'playwright-core';
import type { ServerProcess } from '../e2e/harness.js';
import { until } from '../e2e/harness.js';

const SUPERVISOR = { username: 'chaos-supervisor', password: 'a supervisor passphrase' };

export async function openReview(browser: Browser, server: ServerProcess): Promise<Page> {
  await server.adminCli(
    [
      'create-user',
      '--username',
      SUPERVISOR.username,
      '--role',
      'supervisor',
      '--forms',
      'water-point-inspection',
    ],
    `${SUPERVISOR.password}\n`,
  );
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  await page.goto(`${server.url}/signin`);
  await page.getByLabel('Username').fill(SUPERVISOR.username);
  await page.getByLabel('Password').fill(SUPERVISOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${SUPERVISOR.username}`).first().waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review' }).click();
  await page.getByText('Live: new submissions and reviews appear as they happen.').waitFor();
  return page;
}

/** The rows the review screen holds, and whether more wait to be loaded. */
function shown(page: Page): Promise<{ ids: string[]; more: boolean }> {
  return page.evaluate(() => {
    const review = document.querySelector('fs-app')?.shadowRoot?.querySelector('fs-review') as
      (Element & { items: { submission: { id: string } }[]; nextCursor: string | null }) | null | undefined;
    if (!review) return { ids: [], more: false };
    return { ids: review.items.map((i) => i.submission.id), more: review.nextCursor !== null };
  });
}

/** Scrolls every scrollable box to its end, so that the table loads its next page. */
function scrollToEnd(page: Page): Promise<void> {
  return page.evaluate(() => {
    const walk = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        if (el.scrollHeight > el.clientHeight) el.scrollTop = el.scrollHeight;
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    window.scrollTo(0, document.body.scrollHeight);
    walk(document);
  });
}

/**
 * Problems with what the review screen shows, against the ids the server
 * holds: each must be there once, live, and nothing else.
 */
export async function checkReview(page: Page, held: string[], timeoutMs: number): Promise<string[]> {
  const want = new Set(held);
  const all = async (): Promise<boolean> => {
    const now = await shown(page);
    if (now.more) await scrollToEnd(page);
    return !now.more && new Set(now.ids).size >= want.size;
  };
  // Waited for, then read as it is: what is missing is reported below.
  await until(all, `the review screen showing all ${want.size} submissions`, timeoutMs).catch(() => false);
  const last = await shown(page);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const id of last.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  for (const [id, n] of seen) {
    if (n > 1) problems.push(`review screen: ${id} shown ${n} times`);
    if (!want.has(id)) problems.push(`review screen: ${id} shown, but the server does not hold it`);
  }
  for (const id of want) if (!seen.has(id)) problems.push(`review screen: ${id} missing`);
  return problems;
}
