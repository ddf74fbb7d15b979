/**
 * Parses and checks a stored choice list off the page's main thread: the
 * 20,000-village list is one `JSON.parse` of 1.5 MB, a long task on a phone
 * that cannot be split, just as the form around it is being drawn. Started
 * for one list, then ended (src/reference/list-parsing.ts).
 */
import { parseChoiceList } from '../core/reference-lists.js';
import { pack, type ListReply, type ListRequest } from './list-messages.js';

/** What this file uses of DedicatedWorkerGlobalScope, which the page's DOM typings lack. */
interface ListWorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent<ListRequest>) => void): void;
  postMessage(message: ListReply, transfer: Transferable[]): void;
}

const scope = self as unknown as ListWorkerScope;

function parsed(text: string): ListReply {
  const choices = parseChoiceList(text);
  return { packed: choices && pack(choices) };
}

scope.addEventListener('message', (event) => {
  const reply = parsed(event.data.text);
  scope.postMessage(reply, reply.packed ? [reply.packed.lat.buffer, reply.packed.lon.buffer] : []);
});
