/**
 * Lighthouse's performance figures (its default mobile settings: 4× CPU
 * slowdown and slow 4G, simulated) of the built app as the real server
 * serves it, on embedded SQLite with the demo forms: the forms list `/` and
 * each demo form's screen. Printed, not asserted.
 *
 * Each page is measured in three states of one enrolled browser profile:
 * - first visit: nothing stored but the device cookie (no service worker,
 *   empty IndexedDB): the app downloads and stores the forms while loading;
 * - Lighthouse's own reset: service worker and caches cleared, IndexedDB
 *   kept, which is what a plain Lighthouse run on a used profile sees;
 * - daily: nothing cleared after the app was opened once (worker installed,
 *   forms stored), and Chromium started anew on that profile, as a field
 *   worker opens the app each morning;
 * - reopened at once: the same, but with no restart, seconds after the
 *   warm-up tab closed (its worker may still be running).
 * Each run starts with an "Unattributable" task: Chromium committing the
 * navigation. It ends before First Contentful Paint, so it adds nothing to
 * Total Blocking Time.
 * Lighthouse simulates the phone from the tasks it sees here, so a busy
 * machine inflates Total Blocking Time: the load average is printed, and
 * LIGHTHOUSE_RUNS=n gives the median of n runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse, { type Flags, type Result } from 'lighthouse';
import { chromium, type Page } from 'playwright-core';
import type { Me } from '../shared/accounts.js';
import { CHANGE_HEADERS } from '../test/support/accounts.js';
import { CHROMIUM_ARGS, chromePath } from '../test/support/chromium.js';
import { root, ServerProcess } from '../test/e2e/harness.js';
import { freePort } from '../test/server/free-port.js';

interface Mode {
  name: string;
  /** Storage Lighthouse clears before the run; null clears nothing. */
  clear: StorageType[] | null;
  /** Opens the app once before the run, so the worker is installed and the forms stored. */
  warm: boolean;
  /** Starts Chromium anew (same profile) between that warm-up and the run. */
  restart: boolean;
}

type StorageType = NonNullable<Flags['clearStorageTypes']>[number];

/** Everything but cookies: the device cookie is what an enrolled phone keeps. */
const KEEP_COOKIE: StorageType[] = [
  'file_systems',
  'shader_cache',
  'service_workers',
  'cache_storage',
  'indexeddb',
  'local_storage',
];
const MODES: Mode[] = [
  { name: 'first visit', clear: KEEP_COOKIE, warm: false, restart: false },
  {
    name: 'lighthouse reset',
    clear: ['file_systems', 'shader_cache', 'service_workers', 'cache_storage'],
    warm: true,
    restart: false,
  },
  { name: 'daily', clear: null, warm: true, restart: true },
  { name: 'reopened at once', clear: null, warm: true, restart: false },
];

/** The forms list and each demo form's screen (/forms/:id, see src/route.ts). */
async function pages(): Promise<{ label: string; path: string }[]> {
  const dir = join(root, 'server/demo-forms');
  const forms: { label: string; path: string }[] = [];
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
    const { id } = JSON.parse(await readFile(join(dir, f), 'utf8')) as { id: string };
    forms.push({ label: `form ${id}`, path: `/forms/${encodeURIComponent(id)}` });
  }
  return [{ label: 'forms list', path: '/' }, ...forms];
}

/** The benchmark's Chromium: its process and its DevTools port. */
interface Chromium {
  port: number;
  child: ChildProcess;
}

/** Headless Chromium with a DevTools port, on a profile of its own, which Lighthouse drives. */
async function startChromium(profile: string): Promise<Chromium> {
  const port = await freePort();
  const child = spawn(
    chromePath(),
    [
      '--headless=new',
      `--remote-debugging-port=${port}`,
      `--user-data-dir=${profile}`,
      '--no-first-run',
      ...CHROMIUM_ARGS,
      'about:blank',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/json/version`)).ok) return { port, child };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('Chromium did not open its DevTools port within 30 s.');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Closes Chromium as its own menu would (DevTools' Browser.close), so it
 * writes its cookies out: killed, it can lose the device cookie set moments
 * before. Waits until it has exited, since it writes to its profile while it
 * closes; kills it if it has not within a minute.
 */
async function stopChromium({ child, port }: Chromium): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
    await (await browser.newBrowserCDPSession()).send('Browser.close').catch(() => undefined);
  } catch {
    child.kill();
  }
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(killer);
}

/** Runs fn on a new tab of the benchmark's Chromium, then closes the tab and disconnects. */
async function withPage(port: number, fn: (page: Page) => Promise<void>): Promise<void> {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  try {
    const context = browser.contexts()[0];
    if (!context) throw new Error('Chromium has no default context.');
    const page = await context.newPage();
    await fn(page);
    await page.close();
  } finally {
    // Disconnects only: the browser is the benchmark's.
    await browser.close();
  }
}

/** Fails the run unless the server knows this profile as an enrolled device: otherwise the app would show another screen. */
function checkEnrolled(port: number, server: ServerProcess): Promise<void> {
  return withPage(port, async (page) => {
    await page.goto(`${server.url}/api/health`);
    const enrolled = await page.evaluate(
      async () => ((await (await fetch('/api/me', { cache: 'no-store' })).json()) as Me).device !== null,
    );
    if (!enrolled)
      throw new Error('The Lighthouse profile is no longer an enrolled device after Chromium restarted.');
  });
}

/**
 * Enrolls the profile as a device (the cookie is what Lighthouse keeps) and,
 * with `open`, opens the app until its worker controls the page and the
 * forms are on screen.
 */
function prepare(port: number, server: ServerProcess, options: { enroll: boolean; open: boolean }) {
  return withPage(port, async (page) => {
    if (options.enroll) {
      const { code } = await server.enrollment({ name: 'Lighthouse' });
      await page.goto(`${server.url}/api/health`);
      const status = await page.evaluate(
        async ([c, headers]) =>
          (
            await fetch('/api/enroll', {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...headers },
              body: JSON.stringify({ code: c }),
            })
          ).status,
        [code, CHANGE_HEADERS] as const,
      );
      if (status !== 200) throw new Error(`Enrolling the Lighthouse browser failed: HTTP ${status}`);
    }
    if (options.open) {
      await page.goto(server.url);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
        timeout: 120_000,
      });
      await page.getByRole('link', { name: 'Water point inspection' }).waitFor({ timeout: 120_000 });
    }
  });
}

const ms = (n: number | null | undefined) => (n == null ? '?' : `${Math.round(n)} ms`);

/** One run's figures, from its report. */
interface Figures {
  score: number;
  tbt: number;
  cls: number;
  lcp: number;
  fcp: number;
  warnings: number;
  /** Why Lighthouse could not measure the run (no score then). */
  error: string | null;
}

function figures(lhr: Result): Figures {
  const audit = (id: string) => lhr.audits[id]?.numericValue ?? NaN;
  return {
    score: Math.round((lhr.categories['performance']?.score ?? NaN) * 100),
    tbt: audit('total-blocking-time'),
    cls: audit('cumulative-layout-shift'),
    lcp: audit('largest-contentful-paint'),
    fcp: audit('first-contentful-paint'),
    warnings: lhr.runWarnings.length,
    error: lhr.runtimeError?.code ?? null,
  };
}

/** The median run by score, and the spread of TBT, which a busy machine moves most. */
function describe(all: Figures[]): string {
  const runs = all.filter((r) => Number.isFinite(r.score));
  const failed = all
    .filter((r) => !Number.isFinite(r.score))
    .map((r) => r.error ?? 'no score')
    .join(', ');
  const m = [...runs].sort((a, b) => a.score - b.score)[Math.floor((runs.length - 1) / 2)];
  if (!m) return `no run measured (${failed})`;
  const tbts = runs.map((r) => r.tbt);
  const spread =
    runs.length > 1
      ? `; of ${runs.length} runs, scores ${runs.map((r) => r.score).join('/')}, TBT ${ms(Math.min(...tbts))}–${ms(Math.max(...tbts))}`
      : '';
  return (
    `score ${m.score}, TBT ${ms(m.tbt)}, CLS ${m.cls.toFixed(3)}, LCP ${ms(m.lcp)}, FCP ${ms(m.fcp)}` +
    (m.warnings ? ` (warnings: ${m.warnings})` : '') +
    spread +
    (failed ? `; not measured: ${failed}` : '')
  );
}

/**
 * LIGHTHOUSE_REPORTS=dir keeps each run's full report there, for its
 * diagnostics and its trace with CPU samples (which slow the page a
 * little); LIGHTHOUSE_RUNS=n runs each page n times and
 * prints the median run (default 1); LIGHTHOUSE_STATES=daily,… measures
 * only the states named, LIGHTHOUSE_PAGES=/,/forms/… only the pages named.
 */
export async function lighthouseBench(
  reports = process.env['LIGHTHOUSE_REPORTS'],
  runs = Math.max(1, Number(process.env['LIGHTHOUSE_RUNS'] ?? 1) || 1),
): Promise<void> {
  const server = new ServerProcess();
  const profile = await mkdtemp(join(tmpdir(), 'fieldsync-lighthouse-'));
  let chrome: Chromium | null = null;
  try {
    if (reports) await mkdir(reports, { recursive: true });
    await server.start();
    chrome = await startChromium(profile);
    await prepare(chrome.port, server, { enroll: true, open: false });
    const [one, five] = loadavg();
    console.info(
      `Lighthouse 12 performance, mobile defaults (simulated throttling), ${cpus().length} cores, ` +
        `load average ${one?.toFixed(2)} (1 min) ${five?.toFixed(2)} (5 min):`,
    );
    const named = process.env['LIGHTHOUSE_STATES']?.split(',').map((n) => n.trim());
    const modes = named ? MODES.filter((m) => named.includes(m.name)) : MODES;
    if (modes.length === 0)
      throw new Error(`LIGHTHOUSE_STATES names none of: ${MODES.map((m) => m.name).join(', ')}.`);
    const only = process.env['LIGHTHOUSE_PAGES']?.split(',').map((n) => n.trim());
    const all = await pages();
    const measured = all.filter((p) => !only || only.includes(p.path));
    if (measured.length === 0)
      throw new Error(`LIGHTHOUSE_PAGES names none of: ${all.map((p) => p.path).join(', ')}.`);
    for (const mode of modes) {
      for (const p of measured) {
        const seen: Figures[] = [];
        for (let run = 1; run <= runs; run++) {
          if (mode.warm) await prepare(chrome.port, server, { enroll: false, open: true });
          if (mode.restart) {
            await stopChromium(chrome);
            chrome = await startChromium(profile);
            await checkEnrolled(chrome.port, server);
          }
          const flags: Flags = {
            port: chrome.port,
            onlyCategories: ['performance'],
            output: 'json',
            logLevel: 'error',
            ...(mode.clear ? { clearStorageTypes: mode.clear } : { disableStorageReset: true }),
            // Kept reports get the main thread's CPU samples: which code each long task ran.
            ...(reports ? { additionalTraceCategories: 'disabled-by-default-v8.cpu_profiler' } : {}),
          };
          const result = await lighthouse(`${server.url}${p.path}`, flags);
          if (!result) throw new Error('Lighthouse gave no result.');
          if (reports) {
            const name = `${mode.name}-${p.label}-${run}`.replace(/[^a-z0-9-]+/gi, '-');
            await writeFile(join(reports, `${name}.json`), JSON.stringify(result.lhr));
            await writeFile(join(reports, `${name}.trace.json`), JSON.stringify(result.artifacts.Trace));
          }
          seen.push(figures(result.lhr));
        }
        console.info(`  ${mode.name.padEnd(16)} ${p.label.padEnd(31)} ${describe(seen)}`);
      }
    }
    const [after] = loadavg();
    console.info(`  (load average ${after?.toFixed(2)} (1 min) at the end)`);
  } finally {
    if (chrome) await stopChromium(chrome);
    await server.dispose();
    await rm(profile, { recursive: true, force: true });
  }
}
