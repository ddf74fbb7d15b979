/**
 * Keeps the screen on while its host is shown, with the Screen Wake Lock
 * API. The browser releases the lock whenever the page is hidden, so it is
 * asked for again each time the page is visible; it is given back when the
 * host goes (kiosk mode ends).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** held: the screen stays on; released: not now (hidden, or given back); refused: the browser said no. */
export type WakeLockState = 'unsupported' | 'asking' | 'held' | 'released' | 'refused';

export function wakeLockSupported(): boolean {
  return 'wakeLock' in navigator;
}

export class WakeLockController implements ReactiveController {
  state: WakeLockState = wakeLockSupported() ? 'released' : 'unsupported';
  /** Why the browser refused, in its words. */
  reason = '';
  private sentinel: WakeLockSentinel | null = null;
  private wanted = false;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') void this.acquire();
  };

  hostConnected(): void {
    this.wanted = true;
    document.addEventListener('visibilitychange', this.onVisibility);
    void this.acquire();
  }

  hostDisconnected(): void {
    this.wanted = false;
    document.removeEventListener('visibilitychange', this.onVisibility);
    const sentinel = this.sentinel;
    this.sentinel = null;
    if (sentinel && !sentinel.released) void sentinel.release();
    if (this.state !== 'unsupported') this.set('released');
  }

  private async acquire(): Promise<void> {
    if (!wakeLockSupported() || !this.wanted || document.visibilityState !== 'visible') return;
    if (this.sentinel && !this.sentinel.released) return;
    this.set('asking');
    try {
      const sentinel = await navigator.wakeLock.request('screen');
      if (!this.wanted) {
        void sentinel.release();
        return;
      }
      this.sentinel = sentinel;
      sentinel.addEventListener('release', () => {
        if (this.sentinel === sentinel) this.set('released');
      });
      this.set('held');
    } catch (e) {
      // NotAllowedError: low battery, a policy, or the page not visible after all.
      this.reason = e instanceof Error ? e.message : String(e);
      this.set('refused');
    }
  }

  private set(state: WakeLockState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}
