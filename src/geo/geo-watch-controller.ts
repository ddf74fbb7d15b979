import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { GeoPoint } from '../../shared/submission.js';

/** Why no position came: each has its own advice for the user. */
export type GeoFailure = 'denied' | 'unavailable' | 'timeout' | 'unsupported';

/** A Geolocation API position as the app stores it. */
export function toGeoPoint(position: GeolocationPosition): GeoPoint {
  return {
    lat: position.coords.latitude,
    lon: position.coords.longitude,
    accuracy: position.coords.accuracy,
    time: new Date(position.timestamp).toISOString(),
  };
}

export interface GeoWatchOptions {
  /** Called with every position the watch delivers, best or not. */
  onFix?: (point: GeoPoint) => void;
  /** Give up when no first position arrives within this time. */
  timeoutMs?: number;
}

/**
 * A high-accuracy `watchPosition` that runs only between start() and stop(),
 * and never outlives its element: GPS drains the battery. The host re-renders
 * on every position and failure.
 */
export class GeoWatchController implements ReactiveController {
  /** The newest position of this controller's watches; kept after stop(). */
  latest: GeoPoint | null = null;
  watching = false;
  failure: GeoFailure | null = null;
  private watchId: number | null = null;
  private readonly host: ReactiveControllerHost;
  private readonly options: GeoWatchOptions;

  constructor(host: ReactiveControllerHost, options: GeoWatchOptions = {}) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  start(): void {
    this.stop();
    this.failure = null;
    if (!('geolocation' in navigator)) {
      this.failure = 'unsupported';
      this.host.requestUpdate();
      return;
    }
    this.watching = true;
    // A fix from an earlier watch may be stale: the user may have walked on.
    this.latest = null;
    this.watchId = navigator.geolocation.watchPosition(
      (position) => {
        this.latest = toGeoPoint(position);
        this.host.requestUpdate();
        this.options.onFix?.(this.latest);
      },
      (error) => {
        // After a first fix, a timeout or a lost signal is a pause: the watch goes on.
        if (error.code !== error.PERMISSION_DENIED && this.latest) return;
        this.failure =
          error.code === error.PERMISSION_DENIED
            ? 'denied'
            : error.code === error.TIMEOUT
              ? 'timeout'
              : 'unavailable';
        this.stop();
      },
      { enableHighAccuracy: true, maximumAge: 0, timeout: this.options.timeoutMs ?? 60_000 },
    );
    this.host.requestUpdate();
  }

  stop(): void {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
    this.watching = false;
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    this.stop();
  }
}
