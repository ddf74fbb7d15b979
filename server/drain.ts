import type { FastifyReply, FastifyRequest } from 'fastify';

export interface DrainLimits {
  /** Most bytes read and discarded after the answer. */
  maxBytes: number;
  /** Longest time spent on it, in milliseconds. */
  maxMs: number;
}

/**
 * How much of a refused body is read: four times the largest photo and at
 * least 64 MiB, for at most five minutes. A phone with an oversized photo
 * stays well inside; a client past these is holding the connection, not
 * uploading.
 */
export function drainLimits(photoMaxBytes: number): DrainLimits {
  return { maxBytes: Math.max(64 * 1024 * 1024, 4 * photoMaxBytes), maxMs: 5 * 60 * 1000 };
}

/**
 * Reads and discards the rest of the body of a request that is answered
 * before it has all arrived (a 413, a 415, any error raised before the body
 * is read). Closing the connection instead would reset it while the client
 * is still sending, and the reset makes the client's system drop the answer
 * it has not read yet: the device would see a network error and send the
 * same upload again, forever.
 *
 * Call it before the answer is sent: it keeps the connection open past the
 * answer. Once the body has ended the connection can serve the next
 * request, or is closed gracefully if the client asked for that; past the
 * limits it is destroyed.
 */
export function drainRequest(request: FastifyRequest, reply: FastifyReply, limits: DrainLimits): void {
  const req = request.raw;
  const res = reply.raw;
  if (req.complete || req.destroyed) return;
  // The client asked to close, or the server is shutting down (Fastify then sets the header on the raw response).
  const closeWhenDone = !res.shouldKeepAlive || /close/i.test(String(res.getHeader('connection') ?? ''));
  // Fastify asks to close after a body it could not parse, and Node would do so
  // as soon as the answer is written, with the rest of the body unread.
  void reply.removeHeader('connection').header('connection', 'keep-alive');

  let bytes = 0;
  const timer = setTimeout(cut, limits.maxMs);
  // The connection's own life keeps the process up; this timer need not.
  timer.unref();
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', stop);

  function onData(chunk: Buffer): void {
    bytes += chunk.length;
    if (bytes > limits.maxBytes) cut();
  }
  function onEnd(): void {
    stop();
    if (!closeWhenDone) return;
    if (res.writableFinished) req.socket.end();
    else res.once('finish', () => req.socket.end());
  }
  function cut(): void {
    stop();
    req.socket.destroy();
  }
  function stop(): void {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', stop);
  }

  // A decompressing stream may hold the body; nobody needs it now.
  req.unpipe();
  req.resume();
}
