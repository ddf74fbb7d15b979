/** A Server-Sent Events client for tests: reads a real response's events one by one, as EventSource parses them. */
import { get, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { LiveEventName, LiveEvents } from '../../shared/live.js';

export interface ReceivedEvent<N extends LiveEventName = LiveEventName> {
  event: N;
  id: string;
  data: LiveEvents[N];
}

/** The answer's status, headers, and (for an error) its body. */
export interface StreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body as JSON: for an error answer, which ends. */
  json(): Promise<unknown>;
}

/**
 * Over node:http rather than fetch: destroying the request closes the
 * socket at once, as a browser closing an EventSource does (fetch keeps it
 * for reuse, and the server would wait for it).
 */
export class EventStream {
  readonly response: StreamResponse;
  readonly #request: ClientRequest;
  readonly #body: IncomingMessage;
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #decoder = new TextDecoder();
  #buffer = '';

  private constructor(request: ClientRequest, body: IncomingMessage) {
    this.#request = request;
    this.#body = body;
    this.#chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.response = {
      status: body.statusCode ?? 0,
      headers: body.headers,
      json: async () => {
        let text = '';
        for (let c = await this.#chunks.next(); !c.done; c = await this.#chunks.next())
          text += String(c.value);
        return JSON.parse(text) as unknown;
      },
    };
  }

  /** Opens url with the given headers; the response may be an error (read its status). */
  static open(url: string, headers: Record<string, string>): Promise<EventStream> {
    return new Promise((resolve, reject) => {
      const request = get(url, { headers }, (body) => resolve(new EventStream(request, body)));
      request.on('error', reject);
    });
  }

  /** The next event, waiting for it; null once the server has ended the stream. */
  async next(): Promise<ReceivedEvent | null> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const parsed = parse(block);
        if (parsed) return parsed;
        continue;
      }
      const { value, done } = await this.#chunks.next();
      if (done) return null;
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  /** The next event, which must be of this kind. */
  async expect<N extends LiveEventName>(name: N): Promise<ReceivedEvent<N>> {
    const got = await this.next();
    if (got?.event !== name)
      throw new Error(
        `Expected a "${name}" event, got ${got ? JSON.stringify(got) : 'the end of the stream'}.`,
      );
    return got as ReceivedEvent<N>;
  }

  /** Drops the connection, as a closed EventSource does. */
  close(): void {
    this.#body.destroy();
    this.#request.destroy();
  }
}

/** An event block, or null for one without data (a comment, a retry). */
function parse(block: string): ReceivedEvent | null {
  let event = 'message';
  let id = '';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  return { event: event as LiveEventName, id, data: JSON.parse(data.join('\n')) as never };
}
