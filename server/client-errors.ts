import { maxHeaderSize, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyInstance } from 'fastify';
import type { ApiError } from '../shared/submission.js';

interface Refusal {
  status: number;
  body: ApiError;
}

function badRequest(message: string): Refusal {
  return { status: 400, body: { error: 'bad_request', message } };
}

/** A request damaged or cut short on the way: nothing is wrong with what the client meant to send. */
function interrupted(message: string): Refusal {
  return { status: 400, body: { error: 'interrupted', message } };
}

/** What Node's HTTP parser refused, by its error code, in words; statuses as Node would send them. */
function refusalFor(code: string): Refusal {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        body: {
          error: 'bad_request',
          message: `The request's headers are larger than the server accepts (${maxHeaderSize / 1024} KB). Send fewer or shorter headers, or clear this site's cookies.`,
        },
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        body: {
          error: 'payload_too_large',
          message:
            'The chunk extensions of the request body are larger than the server accepts. Send the body without them.',
        },
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        body: { error: 'interrupted', message: 'The request took too long to arrive. Send it again.' },
      };
    case 'HPE_INVALID_METHOD':
      return badRequest('The request method is not one the server knows. The API takes GET, HEAD and PUT.');
    // Both headers together come under the code of the one llhttp read second.
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return badRequest(
        'The request has a Transfer-Encoding with a Content-Length, two Content-Lengths, or one of them not valid. Send one Content-Length with the size of the body in bytes, or Transfer-Encoding: chunked alone.',
      );
    case 'HPE_INVALID_VERSION':
      return badRequest(
        'The request line is not valid: the server speaks HTTP/1.1 (and 1.0), with lines ending in CRLF.',
      );
    case 'HPE_INVALID_HEADER_TOKEN':
      return badRequest('A request header name holds a character header names may not. Remove or rename it.');
    case 'HPE_INVALID_CHUNK_SIZE':
      return interrupted(
        'The request body is not valid chunked encoding: a chunk size is not a hexadecimal number. Send the request again.',
      );
    case 'HPE_INVALID_EOF_STATE':
      return interrupted(
        'The request ended before its body was complete (shorter than its Content-Length). Send it again.',
      );
    default:
      return badRequest(
        'The request is not valid HTTP/1.1. Send it again; if this repeats, something between the device and the server is changing the requests.',
      );
  }
}

/** A whole HTTP/1.1 response, written straight to the socket: there is no request or reply object. */
function rawResponse(refusal: Refusal, headers: Readonly<Record<string, string>>): string {
  const body = JSON.stringify(refusal.body);
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'cache-control: no-store',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Fastify's clientErrorHandler: answers a request Node's HTTP parser refused
 * (an unknown method, conflicting lengths, broken chunks, headers over the
 * limit, a body cut short) with an ApiError and the security headers, like
 * any other refusal, then closes the connection: its bytes can no longer be
 * told apart.
 */
export function clientErrorHandler(
  headers: Readonly<Record<string, string>>,
): (this: FastifyInstance, error: ConnectionError, socket: Socket) => void {
  return function handleClientError(error, socket) {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const refusal = refusalFor(error.code);
    this.log.info({ code: error.code, status: refusal.status }, 'request refused by the HTTP parser');
    // As Node does: an answer already under way on this connection must not be cut into.
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && current?.headersSent !== true) socket.write(rawResponse(refusal, headers));
    socket.destroy();
  };
}
