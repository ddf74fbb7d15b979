/**
 * Change signals between every server on one PostgreSQL database, by
 * NOTIFY and LISTEN on one channel. Announcing sends a NOTIFY after the
 * writer's commit, merged per topic while one is on its way, so a burst of
 * submissions costs a few notifications, not one each (a NOTIFY inside the
 * inserting transaction would serialise every commit on the notification
 * queue's lock). Listening takes one connection of its own, outside the
 * pool, opened with the first watcher; when it is lost it is opened again,
 * and watchers then hear 'all', as they may have missed signals meanwhile.
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { CHANGE_TOPICS, type ChangeSignal, type ChangeTopic, type Changes } from '../changes.js';

const CHANNEL = 'fieldsync_changes';
/** Waits between attempts to listen again, growing to the last. */
const RELISTEN_MS = [250, 1000, 5000];

export class PostgresChanges implements Changes {
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #emitter = new EventEmitter();
  readonly #pending = new Set<ChangeTopic>();
  #listener: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #failures = 0;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(url: string, pool: pg.Pool) {
    this.#url = url;
    this.#pool = pool;
    this.#emitter.setMaxListeners(0);
  }

  announce(topic: ChangeTopic): void {
    if (this.#closed || this.#pending.has(topic)) return;
    this.#pending.add(topic);
    setImmediate(() => {
      // Cleared before sending: a commit after this point gets a NOTIFY of its own.
      this.#pending.delete(topic);
      if (this.#closed) return;
      // A lost signal delays watchers until their next timed read; it loses nothing.
      this.#pool.query('SELECT pg_notify($1, $2)', [CHANNEL, topic]).catch(() => undefined);
    });
  }

  watch(listener: (signal: ChangeSignal) => void): () => void {
    this.#emitter.on('change', listener);
    this.#listen();
    return () => this.#emitter.off('change', listener);
  }

  /** Stops listening and announcing; signals not yet sent are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    await this.#connecting?.catch(() => undefined);
    const client = this.#listener;
    this.#listener = null;
    await client?.end().catch(() => undefined);
  }

  #listen(): void {
    if (this.#closed || this.#listener || this.#connecting || this.#retry) return;
    const client = new pg.Client({ connectionString: this.#url });
    client.on('notification', (message) => {
      const topic = message.payload as ChangeTopic | undefined;
      if (topic && (CHANGE_TOPICS as readonly string[]).includes(topic)) this.#emitter.emit('change', topic);
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    this.#connecting = (async () => {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    })().then(
      () => {
        this.#connecting = null;
        if (this.#closed) {
          void client.end().catch(() => undefined);
          return;
        }
        this.#listener = client;
        this.#failures = 0;
        // Signals sent before LISTEN took effect, or while the last connection was lost, were missed.
        this.#emitter.emit('change', 'all');
      },
      () => {
        this.#connecting = null;
        void client.end().catch(() => undefined);
        this.#again();
      },
    );
  }

  #lost(client: pg.Client): void {
    if (this.#listener !== client) return;
    this.#listener = null;
    void client.end().catch(() => undefined);
    this.#again();
  }

  #again(): void {
    if (this.#closed || this.#emitter.listenerCount('change') === 0) return;
    const wait = RELISTEN_MS[Math.min(this.#failures, RELISTEN_MS.length - 1)] ?? 5000;
    this.#failures += 1;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#listen();
    }, wait);
  }
}
