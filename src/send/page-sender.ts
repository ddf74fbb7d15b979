/**
 * Sending from the page: the permanent path on browsers without Background
 * Sync, and the prompt path everywhere while the app is open. It drains the
 * outbox right after a save, and at once (whatever the backoff) at start-up,
 * when the browser comes online, when the app becomes visible again and when
 * the user presses "Send now"; otherwise on the backoff timer of the earliest
 * failed submission. SyncEngine adds the checks that notice a server back up.
 * While the server does not know this device there is no timer: the forced
 * runs above try once each, and enrolling again sends everything.
 */
import { drainOutbox, type DrainOptions } from '../core/drain.js';
import type { SendProgress } from '../core/sender.js';
import { defaultStores, type Stores } from '../core/stores.js';

export interface SenderState {
  running: boolean;
  /** Position in the current run: submission n of m. */
  index: number;
  total: number;
  progress: SendProgress | null;
  /** When the backoff timer fires next, or null. */
  nextAttemptAt: number | null;
  lastRunAt: number | null;
  /** The last run stopped because the server did not answer at all. */
  unreachable: boolean;
  /** The last run stopped because the server does not know this device: no timer, enrolling sends. */
  notEnrolled: boolean;
}

/** A run never repeats sooner than this, even if a busy submission is due at once. */
const MIN_INTERVAL_MS = 3_000;

/**
 * @fires change - a CustomEvent whose detail is the SenderState, on every step.
 */
export class PageSender extends EventTarget {
  state: SenderState = {
    running: false,
    index: 0,
    total: 0,
    progress: null,
    nextAttemptAt: null,
    lastRunAt: null,
    unreachable: false,
    notEnrolled: false,
  };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private again = false;
  private againForced = false;
  private started = false;
  // Back online: whatever waited for its backoff is worth trying at once.
  private readonly onOnline = () => void this.run(true);
  // Back in view: the user is looking, so the backoff gives way too.
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') void this.run(true);
  };

  constructor(private readonly options: { stores?: Stores; baseUrl?: string } = {}) {
    super();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    // Start-up sends at once, whatever backoff an earlier session left behind.
    void this.run(true);
  }

  stop(): void {
    this.started = false;
    removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.timer);
  }

  /** Sends everything now, ignoring backoff timers. */
  sendNow(): Promise<void> {
    return this.run(true);
  }

  /**
   * Drains the outbox. A call during a run schedules one more run after it, so
   * a submission saved mid-run is never left behind.
   */
  async run(force = false): Promise<void> {
    if (this.state.running) {
      this.again = true;
      this.againForced ||= force;
      return;
    }
    clearTimeout(this.timer);
    this.update({ running: true, index: 0, total: 0, progress: null });
    const opts: DrainOptions = {
      stores: this.options.stores ?? defaultStores,
      baseUrl: this.options.baseUrl ?? '',
      force,
      onSubmission: (index, total) => this.update({ index, total, progress: null }),
      onProgress: (progress) => this.update({ progress }),
    };
    let next: number | null = null;
    let unreachable = false;
    let notEnrolled = false;
    try {
      ({ nextAttemptAt: next, unreachable, notEnrolled } = await drainOutbox(opts));
    } catch (e) {
      // Storage trouble, not network trouble: try again later rather than stop for good.
      console.error('Sending stopped', e);
      next = Date.now() + 30_000;
    }
    this.update({
      running: false,
      progress: null,
      lastRunAt: Date.now(),
      nextAttemptAt: next,
      unreachable,
      notEnrolled,
    });
    if (this.again) {
      const forced = this.againForced;
      this.again = this.againForced = false;
      return this.run(forced);
    }
    if (next !== null && this.started) {
      const delay = Math.max(MIN_INTERVAL_MS, next - Date.now());
      this.timer = setTimeout(() => void this.run(), delay);
    }
  }

  private update(patch: Partial<SenderState>): void {
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new CustomEvent<SenderState>('change', { detail: this.state }));
  }
}
