/**
 * Runs a worker for one request: posts it, resolves with the first reply,
 * and ends the worker either way. Rejects when the worker cannot start,
 * breaks, or its reply cannot be read, so the caller can do the work in the
 * page instead. The caller makes the Worker, so that the bundler sees its
 * `new Worker(new URL(…, import.meta.url))`.
 */
export function oneShotWorker<Request, Reply>(start: () => Worker, request: Request): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const worker = start();
    const fail = (why: string) => {
      worker.terminate();
      reject(new Error(why));
    };
    worker.addEventListener('message', (e: MessageEvent<Reply>) => {
      worker.terminate();
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
