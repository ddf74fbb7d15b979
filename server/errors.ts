import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../shared/submission.js';
import { ISO_DATE_TIME_WORDS } from '../shared/validate.js';
import { drainRequest, type DrainLimits } from './drain.js';

/** Thrown by handlers and hooks; the error handler sends its body as is, with its headers. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly body: ApiError;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, body: ApiError, headers: Record<string, string> = {}) {
    super(body.message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.body = body;
    this.headers = headers;
  }
}

/** 401: no credential, or one that no longer counts. */
export function unauthorized(message: string): HttpError {
  return new HttpError(401, { error: 'unauthorized', message });
}

/** 403: a credential that may not do this. */
export function forbidden(message: string): HttpError {
  return new HttpError(403, { error: 'forbidden', message });
}

/** 409: the request meets a state that refuses it (a username taken, a code used). */
export function conflict(message: string, field?: string): HttpError {
  return new HttpError(
    409,
    field === undefined ? { error: 'conflict', message } : { error: 'conflict', message, field },
  );
}

/** 410: a one-time code or link past its time. */
export function expired(message: string): HttpError {
  return new HttpError(410, { error: 'expired', message });
}

/** 429, with Retry-After in whole seconds. */
export function rateLimited(message: string, retryAfterMs: number): HttpError {
  return new HttpError(
    429,
    { error: 'rate_limited', message },
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  );
}

export function badRequest(message: string, field?: string): HttpError {
  return new HttpError(
    400,
    field === undefined ? { error: 'bad_request', message } : { error: 'bad_request', message, field },
  );
}

export function notFound(message: string): HttpError {
  return new HttpError(404, { error: 'not_found', message });
}

export function payloadTooLarge(message: string): HttpError {
  return new HttpError(413, { error: 'payload_too_large', message });
}

export function rangeNotSatisfiable(size: number): HttpError {
  return new HttpError(416, {
    error: 'range_not_satisfiable',
    message: `The range asked for starts past the end of the photo (${size} bytes).`,
  });
}

/** A size for a message: 1048576 → "1 MB", 15728640 → "15 MB". */
export function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

export interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** '/photos/0/sha256' → 'photos[0].sha256' */
function fieldPath(instancePath: string, extra?: unknown): string {
  const parts = instancePath.split('/').slice(1);
  if (typeof extra === 'string') parts.push(extra);
  let path = '';
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) path += `[${part}]`;
    else path += path === '' ? part : `.${part}`;
  }
  return path;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
  null: 'null',
};

const FORMAT_WORDS: Record<string, string> = {
  id: 'a UUID (lower-case, e.g. 0b7d9d8e-6f1c-4c7a-9d2e-3f4a5b6c7d8e)',
  sha256: 'a SHA-256 as 64 lower-case hex characters',
  limit: 'a whole number from 1 to 200',
};

/** One Ajv error in words, and the property it names. */
export function describeValidation(
  errors: AjvError[],
  context: string | undefined,
): { field: string; message: string } {
  // anyOf lists every failed branch first; the anyOf entry itself says it best.
  const err = errors.find((e) => e.keyword === 'anyOf') ?? errors[0];
  const where =
    context === 'querystring' ? 'query parameter' : context === 'params' ? 'path parameter' : 'property';
  if (!err) return { field: '', message: 'The request is not valid.' };
  let field = fieldPath(err.instancePath);
  let problem: string;
  switch (err.keyword) {
    case 'required':
      field = fieldPath(err.instancePath, err.params.missingProperty);
      problem = 'is missing';
      break;
    case 'additionalProperties':
      field = fieldPath(err.instancePath, err.params.additionalProperty);
      problem = 'is not expected';
      break;
    case 'type':
      problem = `must be ${String(err.params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ')}`;
      break;
    case 'format':
      problem = `must be ${ISO_DATE_TIME_WORDS}`;
      break;
    case 'anyOf':
      problem = 'has the wrong type or shape';
      break;
    case 'enum':
      problem = `must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'pattern': {
      const last = field.split('.').pop() ?? field;
      problem = `must be ${FORMAT_WORDS[last] ?? 'in the expected format'}`;
      break;
    }
    default:
      problem = err.message ?? 'is not valid';
  }
  if (field === '')
    return { field: context ?? 'body', message: `The request ${context ?? 'body'} ${problem}.` };
  return { field, message: `The ${where} "${field}" ${problem}.` };
}

/** Fastify's own request errors, in words for the person reading the response. */
const FASTIFY_MESSAGES: Record<string, string> = {
  // Also raised for a "__proto__" key, which the parser refuses on purpose.
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; send JSON.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH:
    'The request body is not as long as its Content-Length says: it was cut short on the way. Send it again.',
  FST_ERR_BAD_URL: 'The URL is not validly encoded.',
  FST_ERR_MAX_PARAM_LENGTH: 'A part of the URL is too long.',
};

function apiErrorFor(
  error: FastifyError,
  request: FastifyRequest,
): { status: number; body: ApiError; headers?: Readonly<Record<string, string>> } {
  if (error instanceof HttpError)
    return { status: error.statusCode, body: error.body, headers: error.headers };
  if (error.validation) {
    const { field, message } = describeValidation(error.validation as AjvError[], error.validationContext);
    return { status: 400, body: { error: 'bad_request', message, field } };
  }
  const status = error.statusCode ?? 500;
  if (status === 413) {
    return { status, body: { error: 'payload_too_large', message: 'The request body is too large.' } };
  }
  if (status === 415) {
    const type = (request.headers['content-type'] ?? 'none').slice(0, 100);
    return {
      status,
      body: {
        error: 'unsupported_media_type',
        message: `This endpoint does not take a body of type "${type}".`,
      },
    };
  }
  // 403 comes from the file server refusing a dotfile or a path outside the app: to the client, nothing is there.
  if (status === 404 || status === 403) {
    return { status: 404, body: { error: 'not_found', message: `Nothing at ${request.url.split('?')[0]}.` } };
  }
  if (status >= 400 && status < 500) {
    // A body shorter than announced was cut on the way: the client sends it again.
    const error_ = error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' ? 'interrupted' : 'bad_request';
    return { status, body: { error: error_, message: FASTIFY_MESSAGES[error.code] ?? error.message } };
  }
  return {
    status: 500,
    body: { error: 'internal', message: 'The server failed to handle this request. Try again.' },
  };
}

export interface ErrorHandlerOptions {
  /** The security headers: errors raised before routing miss the hook that adds them. */
  headers: Readonly<Record<string, string>>;
  /** How much of a body still arriving is read after the answer. */
  drain: DrainLimits;
}

export type ErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Maps every error, Fastify's own included, to an ApiError body; used both
 * as the error handler and for the errors Fastify raises before routing.
 */
export function apiErrorHandler(opts: ErrorHandlerOptions): ErrorHandler {
  return function errorHandler(error, request, reply) {
    const { status, body, headers } = apiErrorFor(error, request);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error, message: body.message }, 'request refused');
    // An upload refused before its end is read to its end, so the client gets to read why.
    // False, not just falsy: app.inject()'s requests lack the flag and have nothing to drain.
    if (request.raw.complete === false) drainRequest(request, reply, opts.drain);
    // A handler may have set caching headers before it failed; an error must never be cached.
    void reply
      .headers(opts.headers)
      .headers(headers ?? {})
      .removeHeader('etag')
      .header('cache-control', 'no-store');
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}
