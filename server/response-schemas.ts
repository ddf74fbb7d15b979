/**
 * JSON schemas for the API's answers, one per status code a route
 * declares: the documented codes (docs/api.md) are the declared ones.
 * Fastify writes an object body through the schema of its status code
 * (fast-json-stringify): properties come out in the schema's order and any
 * property the schema lacks is left out, so each schema lists every
 * property of its type. An error answered by the error handler goes through
 * the failing route's schema for its status too, so every route declares
 * ApiError for each error status it answers (apiErrors). Bodies sent
 * already serialized (the reference data), streams (photo bytes) and empty
 * bodies pass as they are.
 */
import { API_ERROR_CODES, PHOTO_TYPES } from '../shared/submission.js';
import { submissionPayloadSchema } from './schemas.js';

const string = { type: 'string' } as const;

/** ApiError: every 4xx and 5xx body. */
export const apiError = {
  type: 'object',
  additionalProperties: false,
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', enum: API_ERROR_CODES },
    message: string,
    field: string,
    problems: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'message'],
        properties: { field: string, message: string },
      },
    },
    missing: { type: 'array', items: string },
  },
} as const;

/** ApiError for each status given, and for 500, which any route may answer. */
export function apiErrors(...statuses: number[]): Record<number, typeof apiError> {
  return Object.fromEntries([...statuses, 500].map((status) => [status, apiError]));
}

/** A 304 Not Modified has no body. */
export const notModified = { description: 'Not Modified: no body.', type: 'null' } as const;

export const health = {
  type: 'object',
  additionalProperties: false,
  required: ['ok', 'version', 'time'],
  properties: { ok: { type: 'boolean' }, version: string, time: string },
} as const;

/** ReferenceData (shared/forms.ts); its body is serialized once at start-up, so this is its outline. */
export const referenceData = {
  type: 'object',
  required: ['forms', 'lists', 'staleAfterHours', 'baseMap'],
  properties: {
    forms: { type: 'array', items: { type: 'object', additionalProperties: true } },
    lists: {
      type: 'object',
      additionalProperties: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
    staleAfterHours: { type: 'integer' },
    baseMap: { anyOf: [{ type: 'null' }, { type: 'object', additionalProperties: true }] },
  },
  additionalProperties: true,
} as const;

/** The answer to a photo upload. */
export const storedPhoto = {
  type: 'object',
  additionalProperties: false,
  required: ['sha256', 'bytes', 'type'],
  properties: { sha256: string, bytes: { type: 'integer' }, type: { type: 'string', enum: PHOTO_TYPES } },
} as const;

/** GET of a photo: its bytes as stored, never serialized. */
export const photoBytes = {
  description: "The photo's bytes; Content-Type is the type found at upload.",
  type: 'string',
} as const;

export const receipt = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'receivedAt', 'seq'],
  properties: { id: string, receivedAt: string, seq: { type: 'integer' } },
} as const;

/**
 * Limits on what a device may send. What is stored met them when it came
 * in; an answer must not fail over one tightened since, nor over a format
 * the serializer does not know.
 */
const INPUT_LIMITS = new Set([
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maxItems',
  'maxProperties',
  'propertyNames',
]);

/**
 * A request schema made fit to write answers with: its shape only, the
 * properties of every object listed in sorted order, as canonicalJson
 * sorts keys.
 */
function forOutput<T>(schema: T): T {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value).filter(([key]) => !INPUT_LIMITS.has(key));
    return Object.fromEntries(
      entries.map(([key, sub]) => {
        if (key !== 'properties' || sub === null || typeof sub !== 'object') return [key, convert(sub)];
        const props = sub as Record<string, unknown>;
        return [
          key,
          Object.fromEntries(
            Object.keys(props)
              .sort()
              .map((name) => [name, convert(props[name])]),
          ),
        ];
      }),
    );
  };
  return convert(schema) as T;
}

/**
 * The payload's schema in canonical key order: a stored submission goes out
 * as its canonical form (shared/canonical.ts), keys sorted at every level.
 */
const canonicalPayload = forOutput(submissionPayloadSchema);

const sentBy = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['deviceId', 'deviceName'],
      properties: { deviceId: string, deviceName: string },
    },
  ],
} as const;

/** ServerSubmission: the canonical payload, then its receipt and the device that sent it. */
export const serverSubmission = {
  ...canonicalPayload,
  // Always there once stored: null for a device that did not send it.
  required: [...canonicalPayload.required, 'referenceVersion', 'receipt', 'sentBy'],
  properties: { ...canonicalPayload.properties, receipt, sentBy },
} as const;

export const submissionPage = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: serverSubmission },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;
