/**
 * Parses and checks a stored choice list off the page's main thread: the
 * 20,000-village list is one `JSON.parse` of 1.5 MB, a long task on a phone
 * that cannot be split, just as the form around it is being drawn. Started
 * for one list, then ended (src/reference/list-parsing.ts).
 */
import { isChoiceList } from '../../shared/validate.js';
import { pack, type ListReply, type ListRequest } from './list-messages.js';

/** What this file uses of DedicatedWorkerGlobalScope, which the page's DOM typings lack. */
interface ListWorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent<ListRequest>) => void): void;
  postMessage(message: ListReply, transfer: Transferable[]): void;
}

const scope = self as unknown as ListWorkerScope;

function parsed(text: string): ListReply {
  try {
    const choices: unknown = JSON.parse(text);
    if (isChoiceList(choices)) return { packed: pack(choices) };
  } catch {
    // Not JSON: the page reports it.
  }
  return { packed: null };
}

scope.addEventListener('message', (event) => {
  const reply = parsed(event.data.text);
  scope.postMessage(reply, reply.packed ? [reply.packed.lat.buffer, reply.packed.lon.buffer] : []);
});
