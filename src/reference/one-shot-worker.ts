/**
 * Runs a worker for one request: posts it, resolves with the first reply,
 * and ends the worker either way. Rejects when the worker cannot start,
 * breaks, its reply cannot be read, or (with `timeoutMs`) none comes in
 * time, so the caller can do the work in the page instead. The caller makes the Worker, so that the bundler sees its
 * `new Worker(new URL(…, import.meta.url))`.
 */
export function oneShotWorker<Request, Reply>(
  start: () => Worker,
  request: Request,
  timeoutMs?: number,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const worker = start();
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => fail(`The worker did not answer within ${timeoutMs} ms.`), timeoutMs);
    const end = () => {
      clearTimeout(timer);
      worker.terminate();
    };
    const fail = (why: string) => {
      end();
      reject(new Error(why));
    };
    worker.addEventListener('message', (e: MessageEvent<Reply>) => {
      end();
      resolve(e.data);
    });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      fail(e.message || 'The worker failed to start.');
    });
    worker.addEventListener('messageerror', () => fail('The worker’s reply could not be read.'));
    worker.postMessage(request);
  });
}
