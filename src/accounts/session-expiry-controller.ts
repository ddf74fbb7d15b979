/**
 * When the signed-in person's session ends, as a phase an element can show:
 * 'soon' from WARN_BEFORE_MS before the end (and re-rendered each half
 * minute so the minutes left stay true), 'ended' after. Timers are set for
 * the next change only; a tab that slept is checked again when it is shown.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Long enough to finish typing and save, short enough not to nag. */
export const WARN_BEFORE_MS = 5 * 60 * 1000;
const TICK_MS = 30 * 1000;

export type ExpiryPhase = 'none' | 'soon' | 'ended';

export class SessionExpiryController implements ReactiveController {
  phase: ExpiryPhase = 'none';
  /** Until the end, when soon. */
  remainingMs = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onVisibility = () => {
    if (document.visibilityState === 'visible') this.check();
  };

  constructor(
    private readonly host: ReactiveControllerHost,
    /** When the session ends (ISO), or null when nobody is signed in. */
    private readonly ends: () => string | null,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
    this.check();
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.clear();
  }

  /** Works the phase out again: call when the end may have moved. */
  check(): void {
    this.clear();
    const ends = this.ends();
    const left = ends === null ? Infinity : Date.parse(ends) - Date.now();
    const phase: ExpiryPhase = left <= 0 ? 'ended' : left <= WARN_BEFORE_MS ? 'soon' : 'none';
    const changed = phase !== this.phase || (phase === 'soon' && left !== this.remainingMs);
    this.phase = phase;
    this.remainingMs = phase === 'soon' ? left : 0;
    if (phase === 'none' && Number.isFinite(left)) this.wake(left - WARN_BEFORE_MS);
    if (phase === 'soon') this.wake(Math.min(TICK_MS, left));
    if (changed) this.host.requestUpdate();
  }

  private wake(inMs: number): void {
    // setTimeout fires at once past 2^31 - 1 ms; a later wake-up is re-checked instead.
    this.timer = setTimeout(() => this.check(), Math.min(Math.max(inMs, 0), 2 ** 31 - 1));
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
