/**
 * Long choice lists parsed off the main thread (src/reference/list-worker.ts),
 * in the page where no worker can run. The screen is drawn first; the list
 * follows when parsed, in a task of its own.
 */
import type { Choice, ReferenceData } from '../../shared/forms.js';
import { adoptParsed, unparsedText } from '../core/reference-lists.js';
import { nextTask } from '../core/next-task.js';
import { unpack, type ListReply, type ListRequest } from './list-messages.js';
import { oneShotWorker } from './one-shot-worker.js';

/** Parses under way, by lists object and name: however many ask, a list is parsed once. */
const parsing = new WeakMap<ReferenceData['lists'], Map<string, Promise<void>>>();

/**
 * How long the worker may take before the page parses the list itself: a
 * phone parses the longest list in well under a second, and a worker that
 * never answers must not leave the question without its choices.
 */
export const LIST_WORKER_TIMEOUT_MS = 15_000;

async function inWorker(text: string, timeoutMs: number): Promise<Choice[] | null> {
  const reply = await oneShotWorker<ListRequest, ListReply>(
    () => new Worker(new URL('./list-worker.ts', import.meta.url), { type: 'module' }),
    { text },
    timeoutMs,
  );
  return reply.packed && (await unpack(reply.packed));
}

async function parse(
  lists: ReferenceData['lists'],
  name: string,
  text: string,
  timeoutMs: number,
): Promise<void> {
  if (typeof Worker !== 'undefined') {
    try {
      adoptParsed(lists, name, await inWorker(text, timeoutMs));
      return;
    } catch (e) {
      console.warn(`Reading the choice list "${name}" in the page: the worker could not run`, e);
    }
  }
  // In a task of its own, so it does not lengthen the one drawing the screen.
  await nextTask();
  void lists[name];
}

/**
 * Parses a list not parsed yet, off the main thread where it can; resolves
 * in the task after the list is in place, so drawing it is a task apart.
 */
export function parseSoon(
  lists: ReferenceData['lists'],
  name: string,
  workerTimeoutMs = LIST_WORKER_TIMEOUT_MS,
): Promise<void> {
  const text = unparsedText(lists, name);
  if (text === undefined) return Promise.resolve();
  let byName = parsing.get(lists);
  if (!byName) parsing.set(lists, (byName = new Map()));
  let done = byName.get(name);
  if (!done) {
    done = parse(lists, name, text, workerTimeoutMs).then(nextTask);
    byName.set(name, done);
  }
  return done;
}
