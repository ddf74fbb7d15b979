import type { ReactiveControllerHost } from 'lit';
import { nextTask } from './core/next-task.js';

/**
 * More of an element drawn a task after what is already on screen, so that
 * neither drawing is a long task on a cheap phone. The element's
 * `getUpdateComplete` returns `settled(...)`, so `updateComplete` resolves
 * once nothing is left to draw.
 */
export class DrawLater {
  private pending: Promise<void> | null = null;

  constructor(private readonly host: ReactiveControllerHost) {}

  /** Makes the change in the next task and draws it; ignored while one is waiting. */
  schedule(change: () => void): void {
    if (this.pending) return;
    this.pending = nextTask().then(() => {
      this.pending = null;
      change();
      this.host.requestUpdate();
    });
  }

  /** The host's update result once every drawing scheduled, and any it schedules, is done. */
  async settled(update: () => Promise<boolean>): Promise<boolean> {
    let done = await update();
    while (this.pending) {
      await this.pending;
      done = (await update()) && done;
    }
    return done;
  }
}
