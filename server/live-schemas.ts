/**
 * JSON schemas of the live review stream and the outbox reports
 * (shared/live.ts). Shape and type only: what the values must say is
 * checked by server/outbox-reports.ts, in words.
 */
import { MAX_REPORTED_ITEMS } from '../shared/live.js';
import { reviewQueryString } from './review-schemas.js';

const string = { type: 'string' } as const;
const time = { type: 'string', maxLength: 40 } as const;
const nullableTime = { type: ['string', 'null'], maxLength: 40 } as const;

const location = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['latitude', 'longitude'],
  properties: {
    latitude: { type: 'number', minimum: -90, maximum: 90 },
    longitude: { type: 'number', minimum: -180, maximum: 180 },
  },
} as const;

const unsentItem = {
  type: 'object',
  additionalProperties: false,
  required: ['formId', 'capturedAt', 'location'],
  properties: { formId: { type: 'string', maxLength: 100 }, capturedAt: time, location },
} as const;

const reportProperties = {
  reportedAt: time,
  waiting: { type: 'integer', minimum: 0, maximum: 10_000_000 },
  oldestCapturedAt: nullableTime,
  items: { type: 'array', maxItems: MAX_REPORTED_ITEMS, items: unsentItem },
} as const;

export const outboxReportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reportedAt', 'waiting', 'oldestCapturedAt', 'items'],
  properties: reportProperties,
} as const;

export const deviceOutbox = {
  type: 'object',
  additionalProperties: false,
  required: [
    'deviceId',
    'deviceName',
    'receivedAt',
    'lastSeenAt',
    'reportedAt',
    'waiting',
    'oldestCapturedAt',
    'items',
  ],
  properties: {
    deviceId: string,
    deviceName: string,
    receivedAt: string,
    lastSeenAt: { type: ['string', 'null'] },
    ...reportProperties,
  },
} as const;

export const deviceOutboxList = {
  type: 'object',
  additionalProperties: false,
  required: ['devices'],
  properties: { devices: { type: 'array', items: deviceOutbox } },
} as const;

/** The review table's filter, and where to start: the id of the last event the client has. */
export const liveQueryString = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...Object.fromEntries(
      Object.entries(reviewQueryString.properties).filter(([name]) => name !== 'cursor' && name !== 'limit'),
    ),
    after: { type: 'string', maxLength: 60 },
  },
} as const;

/** The stream itself is text/event-stream; its events are described in docs/api.md. */
export const eventStream = {
  description: 'text/event-stream: the events of shared/live.ts.',
  type: 'string',
} as const;
