/**
 * One reviewer's live stream: Server-Sent Events written as the database
 * changes. It reads (LiveReader) when a change signal arrives from any
 * server, and on a timer besides, so a lost signal only delays; reads run
 * one at a time, a signal during one asking for one more. Before each read
 * the session is checked again, without counting as use: a stream ends
 * with its session.
 */
import { PassThrough } from 'node:stream';
import type { LiveEventName } from '../shared/live.js';
import { encodePosition, type LiveMessage, type LiveReader } from './review-live.js';
import type { Changes } from './storage/changes.js';
import type { UserRecord } from './storage/accounts.js';

/** A comment this often keeps proxies (nginx closes after 60 s of silence) and the client sure the link is alive. */
export const KEEP_ALIVE_MS = 25_000;
/** How long the browser waits before reconnecting after the stream ends. */
const RETRY_MS = 2000;

export interface LiveStreamOptions {
  reader: LiveReader;
  changes: Changes;
  /** The stream's user, read again; null once the session has ended or the user is disabled. */
  recheck(): Promise<UserRecord | null>;
  now(): Date;
  /** Where read errors go; the stream carries on and reads again later. */
  log(err: unknown): void;
}

function frame(name: LiveEventName, id: string, data: unknown): string {
  // JSON has no raw line breaks, so one data line holds it whole.
  return `event: ${name}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class LiveStream {
  /** The response body: text/event-stream. */
  readonly body = new PassThrough();
  readonly #opts: LiveStreamOptions;
  #stopWatching: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reading: Promise<void> | null = null;
  #again = false;
  #closed = false;

  constructor(opts: LiveStreamOptions) {
    this.#opts = opts;
  }

  /** Says where the stream starts, then sends whatever is new, now and whenever something changes. */
  start(): void {
    const { reader, changes, now } = this.#opts;
    this.body.write(`retry: ${RETRY_MS}\n\n`);
    this.body.write(frame('ready', encodePosition(reader.position), { at: now().toISOString() }));
    this.#stopWatching = changes.watch(() => this.#read());
    this.#timer = setInterval(() => {
      this.body.write(': keep-alive\n\n');
      this.#read();
    }, KEEP_ALIVE_MS);
    this.#read();
  }

  /** Ends the stream (the client went away, or the server is closing). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching?.();
    if (this.#timer) clearInterval(this.#timer);
    this.body.end();
  }

  /** Resolves once no read is under way (for closing the server). */
  async settled(): Promise<void> {
    while (this.#reading) await this.#reading;
  }

  #read(): void {
    if (this.#closed) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        await this.#readOnce().catch((err: unknown) => this.#opts.log(err));
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#reading = null;
    });
  }

  async #readOnce(): Promise<void> {
    const { reader, recheck } = this.#opts;
    const user = await recheck();
    if (this.#closed) return;
    if (!user) {
      this.#send({
        name: 'ended',
        data: { reason: 'Your session has ended: sign in again to see changes live.' },
        position: reader.position,
      });
      this.close();
      return;
    }
    reader.user = user;
    const messages = await reader.read();
    for (const message of messages) {
      if (this.#closed) return;
      this.#send(message);
    }
  }

  #send(message: LiveMessage): void {
    this.body.write(frame(message.name, encodePosition(message.position), message.data));
  }
}
