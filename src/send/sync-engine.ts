/**
 * The sync engine: everything about *when* submissions leave this device.
 *
 * - Which path: Background Sync where the browser has it and allows it (it
 *   sends after the app is closed), else the page alone. Either way, while
 *   the app is open the page sends too; a Web Lock per submission keeps the
 *   page and the worker from sending the same one at once.
 * - Tags: on the Background Sync path every unsent submission has its tag,
 *   registered again after the browser drops it (its last retry, a page that
 *   held the submission meanwhile), but not while the server does not know
 *   this device: each tag would fire only to hear 401. Enrolling again gives
 *   them back (`enrolled()`).
 * - Recovery: when the server stops answering, no browser event says it is
 *   back (the device is still online). So while the app is in view and
 *   something waits, the engine asks the server every few seconds and sends
 *   the moment it answers. Hidden, it leaves that to the backoff timer.
 */
import { submissionTag } from '../core/background-sync.js';
import { getEnrollment } from '../core/enrollment.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { PageSender, type SenderState } from './page-sender.js';
import { serverAnswers } from './reachability.js';
import { chooseSendingPath, registerMissingTags, type SendingPath } from './sending-path.js';

/** How often the server is asked while it does not answer and the app is in view. */
export const REACHABILITY_CHECK_MS = 3_000;

export interface SyncEngineState {
  /** How submissions leave this device; null until decided at start-up. */
  path: SendingPath | null;
  sender: SenderState;
  /** While the server does not answer and the app is in view: when it is asked next; else null. */
  nextCheckAt: number | null;
}

export interface SyncEngineOptions {
  stores?: Stores;
  baseUrl?: string;
  checkEveryMs?: number;
}

/**
 * @fires change - a CustomEvent whose detail is the SyncEngineState, on every step.
 */
export class SyncEngine extends EventTarget {
  readonly sender: PageSender;
  state: SyncEngineState;
  private readonly stores: Stores;
  private readonly baseUrl: string;
  private readonly checkEveryMs: number;
  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  private started = false;

  private readonly onSenderChange = (e: Event): void => {
    const sender = (e as CustomEvent<SenderState>).detail;
    this.update({ sender });
    if (!sender.running) this.scheduleCheck();
  };
  private readonly onOnline = (): void => void this.registerMissingTags();
  private readonly onVisibility = (): void => {
    // Hidden: no checks; in view again, the sender runs at once and checks follow if needed.
    if (document.visibilityState !== 'visible') this.clearCheck();
  };

  constructor(options: SyncEngineOptions = {}) {
    super();
    this.stores = options.stores ?? defaultStores;
    this.baseUrl = options.baseUrl ?? '';
    this.checkEveryMs = options.checkEveryMs ?? REACHABILITY_CHECK_MS;
    this.sender = new PageSender({ stores: this.stores, baseUrl: this.baseUrl });
    this.state = { path: null, sender: this.sender.state, nextCheckAt: null };
  }

  /** Chooses the path, gives every unsent submission its tag, and sends what waits. */
  async start(registration: ServiceWorkerRegistration | null): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.sender.addEventListener('change', this.onSenderChange);
    addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.update({ path: await chooseSendingPath(registration) });
    await this.registerMissingTags();
    this.sender.start();
  }

  stop(): void {
    this.started = false;
    this.sender.stop();
    this.sender.removeEventListener('change', this.onSenderChange);
    removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.clearCheck();
  }

  /** A submission was just saved: its tag (where there are tags), and a send from here at once. */
  submissionSaved(id: string): void {
    const path = this.state.path;
    if (path?.kind === 'background-sync') {
      void this.enrolledHere().then((yes) => {
        if (yes) path.registration.sync.register(submissionTag(id)).catch(() => this.registerMissingTags());
      });
    }
    void this.pageRun(false);
  }

  /**
   * This browser was just enrolled: every unsent submission gets its tag
   * back first (so the worker delivers even if the page is closed at once),
   * then this page sends too; the per-submission lock keeps them apart.
   */
  async enrolled(): Promise<void> {
    await this.registerMissingTags();
    await this.pageRun(true);
  }

  /** Whether the server, when it last said, knew this device. */
  private async enrolledHere(): Promise<boolean> {
    return (await getEnrollment(this.stores).catch(() => null))?.notEnrolledSince == null;
  }

  /**
   * Resolves once this page is not sending: at once when idle, else when the
   * current run (and any run it queued) ends. Checked after the events of
   * this task have been handled, so a run an `online` event starts counts.
   * Lets a download wait rather than share the link with a draining outbox.
   */
  async afterSending(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    while (this.sender.state.running) {
      await new Promise((resolve) => this.sender.addEventListener('change', resolve, { once: true }));
    }
  }

  /** The user pressed "Send now": everything, ignoring backoff. */
  sendNow(): Promise<void> {
    return this.pageRun(true);
  }

  /**
   * Sends from this page. On the Background Sync path the browser may have
   * dropped a tag while this page held the submission (its last attempt found
   * it locked): whatever this run left unsent gets its tag back.
   */
  private async pageRun(force: boolean): Promise<void> {
    await this.sender.run(force);
    await this.registerMissingTags();
  }

  /** Background Sync path: gives every unsent submission its tag again. */
  private async registerMissingTags(): Promise<void> {
    const path = this.state.path;
    if (path?.kind !== 'background-sync' || !(await this.enrolledHere())) return;
    try {
      await registerMissingTags(path.registration.sync, this.stores);
    } catch (e) {
      // Registration can fail (permission revoked meanwhile): the page's own sending goes on alone.
      console.warn('Background Sync registration failed; sending from the page', e);
      this.update({ path: { kind: 'page', reason: `Background Sync registration failed: ${String(e)}` } });
    }
  }

  /** After a run: keep asking the server while it is silent, something waits and the user is looking. */
  private scheduleCheck(): void {
    this.clearCheck();
    const s = this.sender.state;
    const watch =
      this.started &&
      s.unreachable &&
      s.nextAttemptAt !== null &&
      document.visibilityState === 'visible' &&
      // Offline, the browser's `online` event says when to try.
      navigator.onLine;
    if (!watch) return;
    this.update({ nextCheckAt: Date.now() + this.checkEveryMs });
    this.checkTimer = setTimeout(() => void this.check(), this.checkEveryMs);
  }

  private async check(): Promise<void> {
    this.checkTimer = undefined;
    if (!this.started) return;
    if (await serverAnswers(this.baseUrl)) {
      this.update({ nextCheckAt: null });
      await this.pageRun(true);
    } else {
      this.scheduleCheck();
    }
  }

  private clearCheck(): void {
    clearTimeout(this.checkTimer);
    this.checkTimer = undefined;
    if (this.state.nextCheckAt !== null) this.update({ nextCheckAt: null });
  }

  private update(patch: Partial<SyncEngineState>): void {
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new CustomEvent<SyncEngineState>('change', { detail: this.state }));
  }
}
