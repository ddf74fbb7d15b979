/**
 * Kiosk mode's settings, kept on the device: which forms the tablet offers,
 * its PIN (only a salted PBKDF2 hash), the idle times, and the count of
 * wrong PINs, which survives a reload so that guessing stays slow.
 */
import { get, set } from 'idb-keyval';
import { defaultStores, guardQuota, type Stores } from '../core/stores.js';

const SETTINGS_KEY = 'kiosk';
const ATTEMPTS_KEY = 'kiosk-pin-attempts';

/** A person is asked whether they are still there after this long without input. */
export const DEFAULT_IDLE_SECONDS = 60;
/** …and the form starts over this long after the question. */
export const DEFAULT_WARN_SECONDS = 20;
/** The thank-you screen shows this long before the next fresh form. */
export const THANK_YOU_SECONDS = 6;
/** A kiosk offers at most this many forms: a short chooser a stranger takes in at a glance. */
export const MAX_KIOSK_FORMS = 6;
export const MIN_IDLE_SECONDS = 15;
export const MAX_IDLE_SECONDS = 600;
/** Wrong PINs allowed before each wait; the wait doubles with each further one. */
export const FREE_PIN_TRIES = 5;
const FIRST_WAIT_MS = 30_000;
const LONGEST_WAIT_MS = 15 * 60_000;
/** A PIN is this many digits. */
export const PIN_PATTERN = /^\d{4,12}$/;
const PBKDF2_ITERATIONS = 210_000;

export interface PinHash {
  salt: string;
  hash: string;
  iterations: number;
}

export interface KioskSettings {
  schema: 1;
  /** Whether the device is in kiosk mode now (false after a PIN exit, until started again). */
  on: boolean;
  formIds: string[];
  pin: PinHash;
  idleSeconds: number;
  warnSeconds: number;
}

export interface PinAttempts {
  failures: number;
  /** Epoch ms before which no PIN is checked. */
  lockedUntil: number;
}

const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const unbase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(pin: string, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return base64(new Uint8Array(bits));
}

export async function hashPin(pin: string): Promise<PinHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return {
    salt: base64(salt),
    hash: await derive(pin, salt, PBKDF2_ITERATIONS),
    iterations: PBKDF2_ITERATIONS,
  };
}

async function pinMatches(pin: string, stored: PinHash): Promise<boolean> {
  const hash = await derive(pin, unbase64(stored.salt), stored.iterations);
  // Both are fixed-length digests of secrets the caller cannot time remotely; a plain compare is enough here.
  return hash === stored.hash;
}

/** What the user types as a PIN, in words when it will not do; null when it will. */
export function pinProblem(pin: string): string | null {
  return PIN_PATTERN.test(pin) ? null : 'Use 4 to 12 digits.';
}

/** Stored settings of any shape this app ever wrote; null when there are none or they cannot be read. */
export function readKioskSettings(raw: unknown): KioskSettings | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const k = raw as Partial<KioskSettings>;
  const pin = k.pin as Partial<PinHash> | undefined;
  if (k.schema !== 1 || !Array.isArray(k.formIds) || !k.formIds.every((f) => typeof f === 'string'))
    return null;
  if (typeof pin?.salt !== 'string' || typeof pin.hash !== 'string' || typeof pin.iterations !== 'number')
    return null;
  const seconds = (v: unknown, fallback: number, min: number, max: number) =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback;
  return {
    schema: 1,
    on: k.on === true,
    formIds: k.formIds.slice(0, MAX_KIOSK_FORMS),
    pin: { salt: pin.salt, hash: pin.hash, iterations: pin.iterations },
    idleSeconds: seconds(k.idleSeconds, DEFAULT_IDLE_SECONDS, MIN_IDLE_SECONDS, MAX_IDLE_SECONDS),
    warnSeconds: seconds(k.warnSeconds, DEFAULT_WARN_SECONDS, 5, 120),
  };
}

export async function getKioskSettings(s: Stores = defaultStores): Promise<KioskSettings | null> {
  return readKioskSettings(await get(SETTINGS_KEY, s.settings));
}

export async function putKioskSettings(settings: KioskSettings, s: Stores = defaultStores): Promise<void> {
  await guardQuota(() => set(SETTINGS_KEY, settings, s.settings));
}

/** Turns kiosk mode on or off, keeping the rest; false when there are no settings yet. */
export async function setKioskOn(on: boolean, s: Stores = defaultStores): Promise<boolean> {
  const settings = await getKioskSettings(s);
  if (!settings) return false;
  await putKioskSettings({ ...settings, on }, s);
  return true;
}

async function getAttempts(s: Stores): Promise<PinAttempts> {
  const raw = await get<Partial<PinAttempts>>(ATTEMPTS_KEY, s.settings);
  return {
    failures: typeof raw?.failures === 'number' ? raw.failures : 0,
    lockedUntil: typeof raw?.lockedUntil === 'number' ? raw.lockedUntil : 0,
  };
}

export type PinOutcome =
  | { kind: 'right' }
  | { kind: 'wrong'; triesLeft: number; waitMs: number }
  | { kind: 'locked'; waitMs: number };

/** How long the wait is after this many wrong PINs: none for the first few, then 30 s doubling, up to 15 min. */
export function waitAfter(failures: number): number {
  if (failures < FREE_PIN_TRIES) return 0;
  return Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - FREE_PIN_TRIES));
}

/**
 * Checks a PIN against the kiosk's, counting wrong ones: after a few, each
 * try waits longer, and while a wait runs no PIN is checked at all.
 */
export async function checkPin(
  pin: string,
  s: Stores = defaultStores,
  now = Date.now(),
): Promise<PinOutcome> {
  const settings = await getKioskSettings(s);
  if (!settings) return { kind: 'right' };
  const attempts = await getAttempts(s);
  if (attempts.lockedUntil > now) return { kind: 'locked', waitMs: attempts.lockedUntil - now };
  if (await pinMatches(pin, settings.pin)) {
    await set(ATTEMPTS_KEY, { failures: 0, lockedUntil: 0 }, s.settings);
    return { kind: 'right' };
  }
  const failures = attempts.failures + 1;
  const waitMs = waitAfter(failures);
  await guardQuota(() => set(ATTEMPTS_KEY, { failures, lockedUntil: now + waitMs }, s.settings));
  return { kind: 'wrong', triesLeft: Math.max(0, FREE_PIN_TRIES - failures), waitMs };
}
