/**
 * Chromium as a process of its own on a profile that outlives it, so that it
 * can be killed outright (SIGKILL: no unload, no flush) and started again on
 * the same IndexedDB, service worker and Background Sync registrations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS, chromePath } from '../support/chromium.js';

export class BrowserProcess {
  private child: ChildProcess | null = null;
  browser: Browser | null = null;

  constructor(private readonly profileDir: string) {}

  /** Starts Chromium on the profile and connects to it; resolves to its one context. */
  async start(): Promise<BrowserContext> {
    const child = spawn(
      chromePath(),
      [
        ...CHROMIUM_ARGS,
        '--headless=new',
        '--remote-debugging-port=0',
        '--no-first-run',
        '--no-default-browser-check',
        `--user-data-dir=${this.profileDir}`,
        '--window-size=390,844',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    // Should this process die before kill() (a crash, Ctrl-C), Chromium must not outlive it.
    const orphaned = () => child.kill('SIGKILL');
    process.once('exit', orphaned);
    child.once('exit', () => process.off('exit', orphaned));
    const endpoint = await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (d: Buffer) => {
        text += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
        if (m?.[1]) {
          child.stderr?.off('data', onData);
          // Keep draining: a full pipe would stall Chromium.
          child.stderr?.resume();
          resolve(m[1]);
        }
      };
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`Chromium exited at start-up (code ${code}): ${text}`)));
    });
    this.browser = await chromium.connectOverCDP(endpoint);
    const context = this.browser.contexts()[0];
    if (!context) throw new Error('Chromium started without its default context.');
    return context;
  }

  /**
   * Closes Chromium the way a user quits it, so that it writes everything to
   * the profile: cookies reach the disk only every 30 seconds or so otherwise.
   */
  async close(): Promise<void> {
    const child = this.child;
    const browser = this.browser;
    this.child = null;
    this.browser = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    const cdp = await browser?.newBrowserCDPSession();
    await cdp?.send('Browser.close').catch(() => undefined);
    await exited;
  }

  /** SIGKILL, as when the phone's system ends the browser. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.browser = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
