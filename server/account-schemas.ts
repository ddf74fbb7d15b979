/**
 * JSON schemas of the account endpoints' bodies (shared/accounts.ts), the
 * requests' and the answers'. As in schemas.ts, they check shape and type;
 * what a value means (a username's characters, a password's length) is
 * checked by server/auth, in words.
 */
import { ROLES } from '../shared/accounts.js';
import { MAX_PASSWORD_LENGTH } from './auth/passwords.js';

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const role = { type: 'string', enum: ROLES } as const;
const formIds = {
  anyOf: [
    { type: 'null' },
    { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 100 } },
  ],
} as const;
const nullableFormIds = { type: ['array', 'null'], items: string } as const;

function body<P extends Record<string, unknown>, R extends readonly (keyof P & string)[]>(
  properties: P,
  required: R,
) {
  return { type: 'object', additionalProperties: false, required, properties } as const;
}

const credentials = { username: text(200), password: text(MAX_PASSWORD_LENGTH) };

export const signInBody = body(credentials, ['username', 'password']);
export const setupBody = body({ token: text(100), ...credentials }, ['token', 'username', 'password']);
export const enrollBody = body(
  { code: text(100), installationId: { type: 'string', minLength: 1, maxLength: 200 } },
  ['code'],
);
export const enrollmentRequestBody = body(
  { name: { type: 'string', minLength: 1, maxLength: 100 }, formIds, kiosk: { type: 'boolean' } },
  ['name', 'formIds', 'kiosk'],
);
export const newUserBody = body({ ...credentials, role, formIds }, [
  'username',
  'password',
  'role',
  'formIds',
]);
export const userChangeBody = body(
  { password: text(MAX_PASSWORD_LENGTH), role, formIds, disabled: { type: 'boolean' } },
  [],
);

// The answers: every property listed, as response-schemas.ts explains.

export const myDevice = body(
  { id: string, name: string, kiosk: { type: 'boolean' }, formIds: nullableFormIds },
  ['id', 'name', 'kiosk', 'formIds'],
);

export const myUser = body(
  { id: string, username: string, role, formIds: nullableFormIds, sessionExpiresAt: string },
  ['id', 'username', 'role', 'formIds', 'sessionExpiresAt'],
);

export const me = body(
  {
    device: { anyOf: [{ type: 'null' }, myDevice] },
    user: { anyOf: [{ type: 'null' }, myUser] },
    setupNeeded: { type: 'boolean' },
  },
  ['device', 'user', 'setupNeeded'],
);

export const deviceInfo = body(
  {
    id: string,
    name: string,
    kiosk: { type: 'boolean' },
    formIds: nullableFormIds,
    createdAt: string,
    enrollmentExpiresAt: string,
    enrolledAt: nullableString,
    lastSeenAt: nullableString,
    appVersion: nullableString,
    revokedAt: nullableString,
  },
  [
    'id',
    'name',
    'kiosk',
    'formIds',
    'createdAt',
    'enrollmentExpiresAt',
    'enrolledAt',
    'lastSeenAt',
    'appVersion',
    'revokedAt',
  ],
);

export const userInfo = body(
  {
    id: string,
    username: string,
    role,
    formIds: nullableFormIds,
    createdAt: string,
    disabledAt: nullableString,
  },
  ['id', 'username', 'role', 'formIds', 'createdAt', 'disabledAt'],
);

export const enrollment = body({ deviceId: string, code: string, url: string, expiresAt: string }, [
  'deviceId',
  'code',
  'url',
  'expiresAt',
]);

export const deviceList = { type: 'array', items: deviceInfo } as const;
export const userList = { type: 'array', items: userInfo } as const;

/** An answer with no body (204). */
export const noContent = { description: 'No Content: no body.', type: 'null' } as const;
