import type { GeoPoint } from '../../shared/submission.js';
import { toGeoPoint } from './geo-watch-controller.js';

/**
 * Where the device is, if that is known quickly and without asking: a position
 * at most maximumAgeMs old (a minute unless given), or a fresh one within timeoutMs, and only when
 * location is already allowed (a permission prompt in the middle of adding a
 * photo would be a surprise). Resolves to null otherwise; never rejects.
 */
export async function quickPosition(timeoutMs = 4_000, maximumAgeMs = 60_000): Promise<GeoPoint | null> {
  if (!('geolocation' in navigator)) return null;
  try {
    const status = await navigator.permissions.query({ name: 'geolocation' });
    if (status.state !== 'granted') return null;
  } catch {
    // No Permissions API for geolocation here: the request below may still succeed.
  }
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (position) => resolve(toGeoPoint(position)),
      () => resolve(null),
      { maximumAge: maximumAgeMs, timeout: timeoutMs },
    );
  });
}
