/**
 * Whether the app is a kiosk right now, for the shell: the settings read
 * before anything is drawn (so a kiosk never flashes another screen), the
 * address held at /kiosk while it is on (Back and Forward lead nowhere),
 * starting and leaving kiosk mode, and the tidy-up of what the server has.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { forgetSent, freeSentPhotos, getFreeSentPhotosAfterDays } from '../core/free-sent.js';
import type { Stores } from '../core/stores.js';
import type { Outbox } from '../core/submissions.js';
import { getKioskSettings, setKioskOn, type KioskSettings } from './kiosk-settings.js';

export interface KioskModeHost extends ReactiveControllerHost, HTMLElement {
  readonly stores: Stores;
  /** Shows another address (replacing the current entry). */
  navigate(path: string, replace?: boolean): void;
}

export class KioskModeController implements ReactiveController {
  /** undefined until read; null when the device has no kiosk settings. */
  settings: KioskSettings | null | undefined = undefined;

  constructor(private readonly host: KioskModeHost) {
    host.addController(this);
  }

  get on(): boolean {
    return this.settings?.on === true;
  }

  private readonly onStart = () => void this.read().then(() => this.host.navigate('/kiosk', true));

  private readonly onExit = async () => {
    await setKioskOn(false, this.host.stores);
    await this.read();
    this.host.navigate('/', true);
  };

  hostConnected(): void {
    this.host.addEventListener('kiosk-start', this.onStart);
    this.host.addEventListener('kiosk-exit', this.onExit);
  }

  hostDisconnected(): void {
    this.host.removeEventListener('kiosk-start', this.onStart);
    this.host.removeEventListener('kiosk-exit', this.onExit);
  }

  /** Reads the settings; while kiosk mode is on, the address is /kiosk. */
  async read(): Promise<void> {
    this.settings = await getKioskSettings(this.host.stores).catch((e: unknown) => {
      console.error('Kiosk settings could not be read', e);
      return null;
    });
    this.holdAddress();
    this.host.requestUpdate();
  }

  /** The history before kiosk mode is staff's: whatever address is asked for, the kiosk stays. */
  holdAddress(): void {
    if (this.on && location.pathname !== '/kiosk') history.replaceState(null, '', '/kiosk');
  }

  /** A kiosk keeps nothing the server has; a phone frees sent photos after the days chosen, if any. */
  async freeSent(outbox?: Outbox): Promise<void> {
    const stores = this.host.stores;
    if (this.on) {
      await forgetSent(stores);
      return;
    }
    const days = await getFreeSentPhotosAfterDays(stores);
    if (days !== null) await freeSentPhotos(days, stores, Date.now(), outbox);
  }

  /** After each change in the outbox: a kiosk forgets what the server has as soon as it has it. */
  outboxChanged(): void {
    if (this.on)
      void forgetSent(this.host.stores).catch((e: unknown) => console.error('Kiosk tidy-up failed', e));
  }
}
