/**
 * What the live review stream sends (docs/api.md, "Live review"): whatever
 * is new after the stream's position, read from the database, so a signal
 * missed or merged costs nothing, and a client reconnecting with the last
 * id it saw gets everything after it, once.
 */
import type { LiveEventName, LiveEvents } from '../shared/live.js';
import { badRequest } from './errors.js';
import { visibleOutbox } from './outbox-reports.js';
import { toServerSubmission } from './submissions.js';
import type { UserRecord } from './storage/accounts.js';
import type { LivePosition } from './storage/outbox-reports.js';
import type { Repository } from './storage/repository.js';
import type { ReviewQuery } from './storage/review-listing.js';

/** Rows read at a time. */
const BATCH = 200;
/**
 * New submissions or review events sent one by one after an absence, at
 * most; beyond, the client reloads its table (a reset) rather than take
 * thousands of rows it mostly will not show.
 */
export const CATCH_UP_LIMIT = 1000;

/** One event to send, and the stream's position once the client has it (the SSE id). */
export interface LiveMessage<N extends LiveEventName = LiveEventName> {
  name: N;
  data: LiveEvents[N];
  position: LivePosition;
}

/** The position as the stream's event ids write it: "seq.event.report". */
export function encodePosition(p: LivePosition): string {
  return `${p.seq}.${p.event}.${p.report}`;
}

/** A position a client sends back (Last-Event-ID), or 400. */
export function decodePosition(text: string): LivePosition {
  const parts = /^(\d{1,15})\.(\d{1,15})\.(\d{1,15})$/.exec(text);
  if (!parts)
    throw badRequest(
      'The last event id is not one this server gave out: connect without it to start from now.',
      'Last-Event-ID',
    );
  return { seq: Number(parts[1]), event: Number(parts[2]), report: Number(parts[3]) };
}

/**
 * Reads, for one reviewer's stream, what is new after its position: the
 * submissions matching its filter, the review events on the forms the user
 * reviews, and outbox reports of the devices they may see; in that order,
 * each event carrying the position after it.
 */
export class LiveReader {
  readonly #repo: Repository;
  readonly #query: ReviewQuery;
  #user: UserRecord;
  #position: LivePosition;

  constructor(repo: Repository, user: UserRecord, query: ReviewQuery, position: LivePosition) {
    this.#repo = repo;
    this.#user = user;
    this.#query = query;
    this.#position = position;
  }

  get position(): LivePosition {
    return this.#position;
  }

  /** The user as read again (a changed set of forms applies from the next read). */
  set user(user: UserRecord) {
    this.#user = user;
  }

  async read(): Promise<LiveMessage[]> {
    const messages: LiveMessage[] = [];
    const push = <N extends LiveEventName>(name: N, data: LiveEvents[N], position: LivePosition) => {
      this.#position = position;
      messages.push({ name, data, position });
    };
    const scope = this.#user.role === 'admin' ? null : this.#user.formIds;
    // Scope from the user as read now, not as when the stream opened.
    const query = { ...this.#query, scope, since: this.#position.seq, limit: BATCH };
    for (let sent = 0; ;) {
      if (sent >= CATCH_UP_LIMIT) return this.#reset('More submissions arrived than are sent one by one.');
      const { items } = await this.#repo.listForReview({ ...query, since: this.#position.seq });
      for (const { submission, reviewState, flags } of items)
        push(
          'submission',
          { submission: toServerSubmission(submission), reviewState, flags },
          { ...this.#position, seq: submission.receipt.seq },
        );
      sent += items.length;
      if (items.length < BATCH) break;
    }
    for (let sent = 0; ;) {
      if (sent >= CATCH_UP_LIMIT) return this.#reset('More reviews were made than are sent one by one.');
      const events = await this.#repo.reviewEventsOnForms(this.#position.event, scope, BATCH);
      for (const event of events) push('review', event, { ...this.#position, event: event.id });
      sent += events.length;
      if (events.length < BATCH) break;
    }
    for (;;) {
      const reports = await this.#repo.outboxReportsAfter(this.#position.report, BATCH);
      for (const report of reports) {
        const visible = visibleOutbox(this.#user, report);
        const position = { ...this.#position, report: report.version };
        if (visible) push('outbox', visible, position);
        else this.#position = position;
      }
      if (reports.length < BATCH) break;
    }
    return messages;
  }

  /** Too much to send one by one: the client reloads from now. */
  async #reset(reason: string): Promise<LiveMessage[]> {
    this.#position = await this.#repo.livePosition();
    return [{ name: 'reset', data: { reason }, position: this.#position }];
  }
}
