/**
 * JSON schemas for request shapes. They check structure and types only;
 * what an answer means for its form is shared/validate.ts's job, so that
 * the page and the server give the same messages.
 */
import { PHOTO_TYPES, SHA256_RE, UUID_RE } from '../shared/submission.js';
import { isIsoDateTime } from '../shared/validate.js';

/**
 * Formats of our own for Fastify's Ajv (app.ts). A date-time is checked by
 * the rule the page and the server apply to every position's time, rather
 * than by Ajv's looser reading of RFC 3339 (which takes "+0300" and a space).
 */
export const ajvFormats = { 'iso-date-time-offset': isIsoDateTime };

const uuid = { type: 'string', pattern: UUID_RE.source } as const;
const sha256 = { type: 'string', pattern: SHA256_RE.source } as const;
const isoTime = { type: 'string', minLength: 1, maxLength: 64 } as const;

const geoPoint = {
  type: 'object',
  additionalProperties: false,
  required: ['lat', 'lon', 'accuracy', 'time'],
  properties: {
    lat: { type: 'number' },
    lon: { type: 'number' },
    accuracy: { type: 'number' },
    time: isoTime,
  },
} as const;

const photoGeotag = {
  type: 'object',
  additionalProperties: false,
  required: ['lat', 'lon', 'accuracy', 'time', 'source'],
  properties: {
    lat: { type: 'number' },
    lon: { type: 'number' },
    accuracy: { type: ['number', 'null'] },
    time: { type: ['string', 'null'], maxLength: 64 },
    source: { enum: ['exif', 'device'] },
  },
} as const;

/** The most photos one submission may have. */
export const MAX_PHOTOS = 100;

const photoRef = {
  type: 'object',
  additionalProperties: false,
  required: ['sha256', 'bytes', 'type', 'width', 'height', 'field', 'geotag'],
  properties: {
    sha256,
    bytes: { type: 'integer', minimum: 1 },
    type: { enum: PHOTO_TYPES },
    width: { type: 'integer', minimum: 0 },
    height: { type: 'integer', minimum: 0 },
    field: { type: 'string', minLength: 1, maxLength: 100 },
    geotag: { anyOf: [{ type: 'null' }, photoGeotag] },
  },
} as const;

/** AnswerValue: string | number | string[] | GeoPoint. */
const answerValue = {
  anyOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'array', items: { type: 'string' }, maxItems: 1000 },
    geoPoint,
  ],
} as const;

export const submissionPayloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'formId', 'formVersion', 'answers', 'location', 'photos', 'createdAt', 'deviceId'],
  properties: {
    id: uuid,
    formId: { type: 'string', minLength: 1, maxLength: 100 },
    formVersion: { type: 'integer', minimum: 1 },
    answers: {
      type: 'object',
      maxProperties: 1000,
      propertyNames: { maxLength: 100 },
      additionalProperties: answerValue,
    },
    location: { anyOf: [{ type: 'null' }, geoPoint] },
    photos: { type: 'array', maxItems: MAX_PHOTOS, items: photoRef },
    createdAt: { type: 'string', format: 'iso-date-time-offset', maxLength: 64 },
    deviceId: { type: 'string', minLength: 1, maxLength: 200 },
    // Not required: apps from before it existed leave it out.
    referenceVersion: { type: ['string', 'null'], maxLength: 200 },
    correctionOf: uuid,
    appVersion: { type: 'string', minLength: 1, maxLength: 50 },
    unfinished: { const: true },
  },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: uuid },
} as const;

export const sha256ParamsSchema = {
  type: 'object',
  required: ['sha256'],
  properties: { sha256 },
} as const;

/** Query values stay strings (type coercion is off so bodies are checked strictly); handlers convert. */
export const pageQuerySchema = {
  type: 'object',
  properties: {
    cursor: { type: 'string', maxLength: 100 },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;
