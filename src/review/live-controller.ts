/**
 * The review screen's link to the live stream (GET /api/review/live) for
 * the filter shown. The browser's EventSource reconnects by itself after a
 * dropped connection, saying the last event it had, and the server sends
 * what was missed; while it does, the screen says it may be out of date.
 * When the server refuses a reconnection (a restart mid-way, a proxy's
 * error page), the controller opens a new stream after the last event
 * itself, with growing waits, unless the session has ended.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DeviceOutbox, LiveEventName, LiveEvents } from '../../shared/live.js';
import type { ReviewEvent, ReviewItem } from '../../shared/review.js';
import { filterParams, type ReviewFilter } from './review-api.js';

/** connecting: not yet heard from; live: up to date; stale: reconnecting; ended: the session ended. */
export type LiveStatus = 'connecting' | 'live' | 'stale' | 'ended';

export interface LiveHandlers {
  /** The stream for a new filter is open: load the table now, and nothing arriving after is missed. */
  started(): void;
  submission(item: ReviewItem): void;
  review(event: ReviewEvent): void;
  outbox(report: DeviceOutbox): void;
  /** Too much happened while away to send one by one: reload the table. */
  reset(): void;
  /** The status changed (the host re-renders anyway). */
  status?(status: LiveStatus): void;
}

/** Waits before opening a new stream after a refusal, growing to the last. */
const RETRY_MS = [1000, 3000, 10_000, 30_000];

export class LiveController implements ReactiveController {
  status: LiveStatus = 'connecting';
  #source: EventSource | null = null;
  #filter: ReviewFilter | null = null;
  #lastId: string | null = null;
  #started = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | null = null;
  /** Whether the host is in the page: a stream opened for a host that left would never close. */
  #connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly handlers: LiveHandlers,
    /** Whether the person is still signed in as a reviewer, asked after a refusal. */
    private readonly stillSignedIn: () => Promise<boolean>,
  ) {
    host.addController(this);
  }

  /** Follows the filter from now: a new stream, and started() once it is open. */
  follow(filter: ReviewFilter): void {
    this.#filter = filter;
    this.#lastId = null;
    this.#started = false;
    this.#failures = 0;
    this.#set('connecting');
    this.#open();
  }

  hostConnected(): void {
    this.#connected = true;
    if (this.#filter && !this.#source) this.#open();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#stop();
  }

  #stop(): void {
    this.#source?.close();
    this.#source = null;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
  }

  #set(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.handlers.status?.(status);
    this.host.requestUpdate();
  }

  #open(): void {
    this.#stop();
    if (!this.#filter || !this.#connected) return;
    const q = filterParams(this.#filter);
    if (this.#lastId) q.set('after', this.#lastId);
    const source = new EventSource(`/api/review/live?${q.toString()}`);
    this.#source = source;
    const on = <N extends LiveEventName>(name: N, handle: (data: LiveEvents[N]) => void) =>
      source.addEventListener(name, (e) => {
        if (this.#source !== source) return;
        this.#lastId = e.lastEventId || this.#lastId;
        handle(JSON.parse(e.data as string) as LiveEvents[N]);
      });
    on('ready', () => {
      this.#failures = 0;
      this.#set('live');
      if (this.#started) return;
      this.#started = true;
      this.handlers.started();
    });
    on('submission', (item) => this.handlers.submission(item));
    on('review', (event) => this.handlers.review(event));
    on('outbox', (report) => this.handlers.outbox(report));
    on('reset', () => this.handlers.reset());
    on('ended', () => {
      this.#stop();
      this.#set('ended');
    });
    source.addEventListener('error', () => {
      if (this.#source !== source) return;
      // CONNECTING: the browser is reconnecting by itself, with the last id.
      if (source.readyState !== EventSource.CLOSED) {
        if (this.status === 'live') this.#set('stale');
        return;
      }
      this.#set('stale');
      if (!this.#started) {
        // The table loads all the same (and says why, if it cannot); it is live once a stream opens.
        this.#started = true;
        this.handlers.started();
      }
      void this.#again();
    });
  }

  /** After a refusal: ended if the session has, else a new stream after the last event, a little later. */
  async #again(): Promise<void> {
    this.#stop();
    if (!(await this.stillSignedIn())) {
      this.#set('ended');
      return;
    }
    // While the question was out the host may have left (it wants no stream), or come back
    // or followed a new filter (it has one): either way this refusal needs no new stream.
    if (!this.#connected || this.#source) return;
    const wait = RETRY_MS[Math.min(this.#failures, RETRY_MS.length - 1)] ?? 30_000;
    this.#failures += 1;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#open();
    }, wait);
  }
}
