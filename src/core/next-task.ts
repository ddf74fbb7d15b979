/**
 * Resolves in a task of its own, so the work before and after it are
 * separate tasks: neither blocks input for long. A message, not setTimeout:
 * nested timeouts are held back to 4 ms each, which a drawing in tens of
 * slices would spend idle. Not scheduler.yield() either: its continuations
 * go ahead of rendering, and frames during a drag waited on a drawing.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
