/**
 * Whether someone is still at the kiosk. Once armed, a stretch without input
 * (a touch, a key, typing) turns to a warning with a countdown; any input
 * then goes back to waiting, and the end of the countdown calls onTimeout.
 * Done in the app: the Idle Detection API is Chromium-only and behind a
 * permission, and what counts here is input on this page.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type IdlePhase = 'off' | 'waiting' | 'warning';

export interface IdleOptions {
  /** Whether input while not watching starts the watch (a form someone began to fill in). */
  armOnInput(): boolean;
  idleMs(): number;
  warnMs(): number;
  onTimeout(): void;
}

const INPUT_EVENTS = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'] as const;

export class IdleController implements ReactiveController {
  phase: IdlePhase = 'off';
  /** Whole seconds left in the warning's countdown. */
  secondsLeft = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadline = 0;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly options: IdleOptions,
  ) {
    host.addController(this);
  }

  private readonly onInput = (): void => this.activity();

  /** Someone is there: the wait starts again (and the warning, if shown, goes). */
  activity(): void {
    if (this.phase !== 'off' || this.options.armOnInput()) this.wait();
  }

  hostConnected(): void {
    for (const type of INPUT_EVENTS)
      this.host.addEventListener(type, this.onInput, { capture: true, passive: true });
  }

  hostDisconnected(): void {
    for (const type of INPUT_EVENTS) this.host.removeEventListener(type, this.onInput, { capture: true });
    this.disarm();
  }

  /** Starts watching for a pause in input; input from now on counts. */
  arm(): void {
    if (this.phase === 'off') this.wait();
  }

  /** Stops watching (a screen with nothing to protect: the start or the thank-you). */
  disarm(): void {
    clearTimeout(this.timer);
    this.setPhase('off');
  }

  private wait(): void {
    clearTimeout(this.timer);
    this.setPhase('waiting');
    this.timer = setTimeout(() => this.warn(), this.options.idleMs());
  }

  private warn(): void {
    this.deadline = Date.now() + this.options.warnMs();
    this.setPhase('warning');
    this.tick();
  }

  private tick(): void {
    const left = this.deadline - Date.now();
    if (left <= 0) {
      this.disarm();
      this.options.onTimeout();
      return;
    }
    this.secondsLeft = Math.ceil(left / 1000);
    this.host.requestUpdate();
    // To the next whole second, so the countdown reads 20, 19, … 1.
    this.timer = setTimeout(() => this.tick(), left % 1000 || 1000);
  }

  private setPhase(phase: IdlePhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.host.requestUpdate();
  }
}
