/**
 * Accounts, devices and sessions as the API shows them (docs/accounts.md).
 * Shared by the page app, the service worker and the server.
 */

export const ROLES = ['supervisor', 'admin'] as const;
/** A signed-in person's role; devices are not users. */
export type Role = (typeof ROLES)[number];

/**
 * The header every request that changes something must carry (with the value
 * "1"): a page on another site cannot add it without a CORS preflight, which
 * the server never allows.
 */
export const REQUEST_HEADER = 'x-fieldsync-request';

/** The app version a device reports on each request, shown in the list of devices. */
export const VERSION_HEADER = 'x-fieldsync-version';

/** Names of the credential cookies; HttpOnly, so only the server reads them. */
export const DEVICE_COOKIE = 'fs_device';
export const SESSION_COOKIE = 'fs_session';

/** The shortest password the server accepts. */
export const MIN_PASSWORD_LENGTH = 10;

/** An enrolled device, or one whose enrollment code is waiting to be used, as an administrator sees it. */
export interface DeviceInfo {
  id: string;
  name: string;
  kiosk: boolean;
  /** The form ids it may use; null for every form. */
  formIds: string[] | null;
  /** When an administrator created its enrollment code. */
  createdAt: string;
  /** When the code lapses unless used; after enrolledAt is set, only a record. */
  enrollmentExpiresAt: string;
  /** When the device used its code; null while the code waits. */
  enrolledAt: string | null;
  /** The last request it made, to the minute; null before any. */
  lastSeenAt: string | null;
  /** The app version it last reported (X-Fieldsync-Version); null when unknown. */
  appVersion: string | null;
  /** Set once revoked: its credential (or its code, if still unused) is refused from then on. */
  revokedAt: string | null;
}

/** A supervisor or administrator, as an administrator sees them. */
export interface UserInfo {
  id: string;
  username: string;
  role: Role;
  /** The form ids a supervisor reviews; null for every form (always null for an administrator). */
  formIds: string[] | null;
  createdAt: string;
  disabledAt: string | null;
}

/** The device a request's credential names, as GET /api/me and POST /api/enroll show it. */
export type MyDevice = Pick<DeviceInfo, 'id' | 'name' | 'kiosk' | 'formIds'>;

/** The signed-in person, with when the session ends unless used before. */
export type MyUser = Pick<UserInfo, 'id' | 'username' | 'role' | 'formIds'> & { sessionExpiresAt: string };

/** GET /api/me: who the request's credentials say is asking; both null when nobody. */
export interface Me {
  /** The device this browser is enrolled as. */
  device: MyDevice | null;
  /** The person signed in on this browser. */
  user: MyUser | null;
  /** True while the server has no administrator: the set-up link is waiting to be used. */
  setupNeeded: boolean;
}

/** POST /api/session: signing in. */
export interface SignInRequest {
  username: string;
  password: string;
}

/** POST /api/setup: the first administrator, with the token of the set-up link. */
export interface SetupRequest extends SignInRequest {
  token: string;
}

/** POST /api/enroll: the code of an enrollment link. */
export interface EnrollRequest {
  code: string;
  /**
   * The id this browser made for itself, which its submissions carry as
   * deviceId. Enrolled again after a revocation, the browser still hears the
   * reviews of what it sent under the revoked enrollment.
   */
  installationId?: string;
}

/** POST /api/enrollments: what an administrator asks for. */
export interface EnrollmentRequest {
  /** How the device shows in the list: "Kisumu team phone 3". */
  name: string;
  formIds: string[] | null;
  kiosk: boolean;
}

/** POST /api/enrollments: the one-time code, as a link to show and encode as a QR code. */
export interface Enrollment {
  /** The device the code will enroll, listed (not yet enrolled) from now on. */
  deviceId: string;
  code: string;
  /** https://server/enroll#code=…: the fragment never reaches a server or a Referer. */
  url: string;
  expiresAt: string;
}

/** POST /api/users: a new supervisor or administrator. */
export interface NewUserRequest {
  username: string;
  password: string;
  role: Role;
  /** A supervisor's forms; null for every form. Must be null for an administrator. */
  formIds: string[] | null;
}

/** PATCH /api/users/{id}: what to change; what is left out stays. */
export interface UserChangeRequest {
  /** A new password: ends every session of the user. */
  password?: string;
  role?: Role;
  formIds?: string[] | null;
  /** true disables the account and ends its sessions; false enables it again. */
  disabled?: boolean;
}
