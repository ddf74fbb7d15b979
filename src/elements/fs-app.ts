import { ContextProvider } from '@lit/context';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { AccountSession, sessionContext } from '../accounts/account-session.js';
import { checkEnrollment } from '../core/enrollment.js';
import { collectGarbage } from '../core/housekeeping.js';
import { onOutboxChange } from '../core/outbox-events.js';
import { applyBackgroundRefresh } from '../reference/background-refresh.js';
import { ReferenceController } from '../reference/reference-controller.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { OutboxIndex, outboxIndexContext } from '../core/outbox-index.js';
import { FeedbackController } from '../send/feedback-controller.js';
import { SyncEngine, type SyncEngineState } from '../send/sync-engine.js';
import { matchRoute, type Route } from '../route.js';
import { afterNextPaint, whenIdle } from '../after-paint.js';
import { numericTime } from '../time-words.js';
import { throttle } from '../throttle.js';
import { appShellStyles } from '../styles/app-shell.js';
import { visuallyHiddenStyles } from '../styles/visually-hidden.js';
import { requestPersistence } from '../storage-persistence.js';
import type { SendingPath } from '../send/sending-path.js';
import { workerRegistration } from '../worker-registration.js';
import './fs-form-list.js';
import './fs-form-view.js';
import './fs-session-expiry.js';
import './fs-kiosk.js';
import './fs-app-nav.js';
import { KioskModeController } from '../kiosk/kiosk-mode-controller.js';

/**
 * Screens loaded when first opened: all but the forms list and the form,
 * which a phone opens on, and the kiosk, which a tablet opens on, so the
 * first screen needs little JavaScript. The light ones are loaded anyway
 * once start-up is done (`preload`); the map with Leaflet and the review
 * screen with its list and map only when opened.
 */
const LAZY_SCREENS = {
  outbox: { title: 'Outbox', tag: 'fs-outbox', preload: true, load: () => import('./fs-outbox.js') },
  diagnostics: {
    title: 'Diagnostics',
    tag: 'fs-diagnostics',
    preload: true,
    load: () => import('./fs-diagnostics.js'),
  },
  enroll: { title: 'Enrollment', tag: 'fs-enroll', preload: true, load: () => import('./fs-enroll.js') },
  setup: { title: 'Set-up', tag: 'fs-setup', preload: true, load: () => import('./fs-setup.js') },
  signin: { title: 'Sign in', tag: 'fs-signin', preload: true, load: () => import('./fs-signin.js') },
  devices: { title: 'Devices', tag: 'fs-devices', preload: true, load: () => import('./fs-devices.js') },
  users: { title: 'Users', tag: 'fs-users', preload: true, load: () => import('./fs-users.js') },
  'kiosk-setup': {
    title: 'Kiosk',
    tag: 'fs-kiosk-setup',
    preload: true,
    load: () => import('./fs-kiosk-setup.js'),
  },
  map: {
    title: 'Map',
    tag: 'fs-map',
    preload: false,
    // Fetched together: the map's own imports would otherwise wait for fs-map.js to run first.
    load: () =>
      Promise.all([
        import('./fs-map.js'),
        import('../map/submission-map.js'),
        import('./fs-offline-areas.js'),
      ]),
  },
  review: { title: 'Review', tag: 'fs-review', preload: false, load: () => import('./fs-review.js') },
} as const;
type LazyRoute = keyof typeof LAZY_SCREENS;

/** The screen loaded on demand that a route shows, if any. */
function lazyRouteOf(name: Route['name']): LazyRoute | null {
  if (name === 'kiosk') return 'kiosk-setup';
  return name in LAZY_SCREENS ? (name as LazyRoute) : null;
}

const pendingCount = (entries: readonly { status: string }[]) =>
  entries.filter((s) => s.status !== 'sent').length;

/**
 * The app shell: navigation, routing by path, the reference data, and the
 * sync engine's state on screen. Screens get what they need as properties
 * and ask for navigation with `fs-navigate` events.
 */

export class FsApp extends LitElement {
  static override properties = {
    route: { state: true },
    lazyErrors: { state: true },
    updateReady: { state: true },
    path: { state: true },
    pending: { state: true },
    syncState: { state: true },
    online: { state: true },
    setupNeeded: { state: true },
  };

  declare route: Route;
  /** Why a screen loaded on demand could not be, by route (offline with a partial cache). */
  declare lazyErrors: Readonly<Partial<Record<LazyRoute, string>>>;
  declare updateReady: boolean;
  /** How submissions leave this device; null until decided at start-up. */
  declare path: SendingPath | null;
  declare pending: number;
  declare syncState: SyncEngineState;
  declare online: boolean;
  /** The server has no administrator yet: its set-up link waits to be opened. */
  declare setupNeeded: boolean;

  /** Isolated databases for tests; the real ones otherwise. */
  stores: Stores = defaultStores;
  /** Who is signed in here, for every screen through sessionContext. */
  readonly session = new AccountSession();
  /** Whether this device is a kiosk now, and what that changes. */
  private readonly kiosk = new KioskModeController(this);
  /** Hears what reviewers did to what this device sent. */
  private readonly feedback = new FeedbackController(this, () => this.stores);
  /** The forms and lists on screen, and their refreshes. */
  private readonly ref = new ReferenceController(
    this,
    () => this.stores,
    () => this.feedback.hear(),
  );
  engine!: SyncEngine;
  /** The outbox at a glance, for the count here and for the map screen through outboxIndexContext. */
  private outbox: OutboxIndex | null = null;
  private readonly outboxProvider = new ContextProvider(this, { context: outboxIndexContext });
  /** At most four times a second: while a drain runs, each count would draw the shell again. */
  private readonly onOutboxIndexChange = throttle(() => {
    if (this.outbox) this.pending = pendingCount(this.outbox.all());
  }, 250);
  private unsubscribe: (() => void) | null = null;
  private readonly onPopState = () => {
    this.kiosk.holdAddress();
    this.setRoute(location.pathname);
  };
  private readonly onConnectivity = () => {
    this.online = navigator.onLine;
    // Back online, the outbox goes first: the forms download waits for it.
    if (this.online) void this.engine.afterSending().then(() => this.ref.refresh());
  };
  private readonly onUpdateReady = () => (this.updateReady = true);

  constructor() {
    super();
    this.route = matchRoute(location.pathname);
    this.lazyErrors = {};
    this.updateReady = false;
    this.path = null;
    this.pending = 0;
    this.online = navigator.onLine;
    this.setupNeeded = false;
    new ContextProvider(this, { context: sessionContext, initialValue: this.session });
    // null until the server's first answer, which start-up's own refresh follows.
    let credentialed: boolean | null = null;
    this.session.addEventListener('change', () => {
      const me = this.session.me;
      this.setupNeeded = me?.setupNeeded ?? false;
      // Signed in or enrolled just now: the forms the server refused a moment ago can be fetched.
      const now = !!(me?.user ?? me?.device);
      if (now && credentialed === false && this.isConnected) void this.ref.refresh();
      credentialed = now;
      this.offerKioskSetup();
      this.requestUpdate();
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.engine = new SyncEngine({ stores: this.stores });
    this.syncState = this.engine.state;
    this.outbox = new OutboxIndex(this.stores);
    // Listening from now: a change after start-up's read of the outbox is read again.
    this.outbox.listen();
    this.outbox.addEventListener('change', this.onOutboxIndexChange);
    this.outboxProvider.setValue(this.outbox);
    this.engine.addEventListener('change', (e) => {
      this.syncState = (e as CustomEvent<SyncEngineState>).detail;
      this.path = this.syncState.path;
    });
    addEventListener('popstate', this.onPopState);
    addEventListener('online', this.onConnectivity);
    addEventListener('offline', this.onConnectivity);
    this.addEventListener('fs-navigate', this.onNavigate as EventListener);
    this.addEventListener('submission-saved', this.onSaved);
    this.addEventListener('send-now', this.onSendNow);
    this.addEventListener('fs-enrolled', this.onEnrolled);
    this.addEventListener('fs-set-up', this.onSetUp);
    workerRegistration.addEventListener('update-ready', this.onUpdateReady);
    this.unsubscribe = onOutboxChange(throttle(() => this.kiosk.outboxChanged(), 250));
    void this.boot();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.engine.stop();
    workerRegistration.removeEventListener('update-ready', this.onUpdateReady);
    removeEventListener('popstate', this.onPopState);
    removeEventListener('online', this.onConnectivity);
    removeEventListener('offline', this.onConnectivity);
    this.unsubscribe?.();
    this.outbox?.stop();
  }

  private async boot(): Promise<void> {
    await this.kiosk.read();
    this.offerKioskSetup();
    // Who the server says this browser is: every screen can then say whether it is enrolled.
    void checkEnrollment({ stores: this.stores }).then((me) => {
      if (me) this.session.update(me);
    });
    await this.ref.readStored();
    const startup = this.ref.refreshIfStale();
    // The first screen is drawn before the tidy-up and the worker, which it does not need.
    await this.updateComplete;
    await afterNextPaint();
    await this.tidyUp();
    const registration = await workerRegistration.register();
    void applyBackgroundRefresh(registration, this.stores)
      .then((r) => console.info(`Background refresh: ${r.status} (${r.reason})`))
      .catch((e: unknown) => console.warn('Background refresh registration failed', e));
    this.updateReady = workerRegistration.updateWaiting;
    await this.engine.start(registration);
    await startup;
    await this.preloadScreens();
  }

  /**
   * The other light screens, so that opening one is instant, and possible
   * offline before the worker holds them: one at a time, when the page is
   * idle, so that none delays a tap.
   */
  private async preloadScreens(): Promise<void> {
    for (const [route, screen] of Object.entries(LAZY_SCREENS)) {
      if (!screen.preload) continue;
      await whenIdle();
      this.loadScreen(route as LazyRoute);
      await this.lazyLoading.get(route as LazyRoute);
    }
  }

  private readonly onRefreshNow = () => void this.ref.refresh(true);

  /** Start-up's storage tidy-up and count of what waits, from one read of the outbox. */
  private async tidyUp(): Promise<void> {
    const outbox = await collectGarbage(this.stores).then(
      (r) => r.outbox,
      (e: unknown) => void console.error('Storage tidy-up failed', e),
    );
    await this.kiosk
      .freeSent(outbox)
      .catch((e: unknown) => console.error('Freeing sent submissions failed', e));
    // A kiosk's tidy-up deletes records after this read: the index hears of it and reads them again.
    await this.outbox
      ?.load(outbox?.records)
      .catch((e: unknown) => console.error('The outbox could not be read for its count', e));
    this.onOutboxIndexChange();
  }

  private readonly onNavigate = (e: CustomEvent<{ path: string; replace?: boolean }>) => {
    this.navigate(e.detail.path, e.detail.replace ?? false);
  };

  private readonly onSaved = (e: Event) => {
    void requestPersistence();
    // A kiosk thanks the person and shows the next one a fresh form, never the outbox.
    if (!this.kiosk.on) this.navigate('/outbox');
    this.engine.submissionSaved((e as CustomEvent<{ id: string }>).detail.id);
  };

  /** A device enrolled as a kiosk, with no kiosk settings yet, opens on setting them. */
  private offerKioskSetup(): void {
    const device = this.session.me?.device;
    if (!device?.kiosk || this.kiosk.settings !== null) return;
    if (this.route.name === 'forms') this.navigate('/kiosk/setup', true);
  }

  /** Reloads into the new version, after the open form (if any) has saved its draft. */
  private async applyUpdate(): Promise<void> {
    await this.renderRoot.querySelector('fs-form-view')?.flush();
    workerRegistration.applyUpdate();
  }

  private readonly onSendNow = () => void this.engine.sendNow();

  private readonly onSetUp = () => void this.session.refresh();

  /** Enrolled (again) on the enrollment or set-up page: everything that waits is sent now. */
  private readonly onEnrolled = () => {
    void this.session.refresh();
    void this.engine.enrolled();
  };

  navigate(path: string, replace = false): void {
    if (replace) history.replaceState(null, '', path);
    else if (path !== location.pathname) history.pushState(null, '', path);
    this.setRoute(path);
  }

  private setRoute(path: string): void {
    this.route = matchRoute(path);
  }

  private readonly lazyLoading = new Map<LazyRoute, Promise<void>>();

  /** Loads a screen the first time it is opened (see LAZY_SCREENS). */
  private loadScreen(route: LazyRoute): void {
    if (this.lazyLoading.has(route)) return;
    // A load that failed before (offline while preloading) is tried again, its error no longer shown.
    if (this.lazyErrors[route]) this.lazyErrors = { ...this.lazyErrors, [route]: undefined };
    this.lazyLoading.set(
      route,
      LAZY_SCREENS[route].load().then(
        () => this.requestUpdate(),
        (e: unknown) => {
          this.lazyLoading.delete(route);
          this.lazyErrors = { ...this.lazyErrors, [route]: e instanceof Error ? e.message : String(e) };
        },
      ),
    );
  }

  /** The screen's heading and a word while it loads, or why it could not. */
  private lazyPlaceholder(route: LazyRoute) {
    const { title } = LAZY_SCREENS[route];
    const error = this.lazyErrors[route];
    return error
      ? html`<h1>${title}</h1>
          <p role="alert">
            The ${title.toLowerCase()} screen could not be loaded: ${error}. Reload the app to try again.
          </p>`
      : html`<h1>${title}</h1>
          <p>Loading the ${title.toLowerCase()} screen…</p>`;
  }

  private onLinkClick(e: MouseEvent): void {
    const a = (e.composedPath()[0] as HTMLElement).closest?.('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    // A download (an export) or a link to another tab is the browser's, not a screen of the app.
    if (a.hasAttribute('download') || (a.target && a.target !== '_self')) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin) return;
    e.preventDefault();
    this.navigate(url.pathname);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const name = this.route.name;
    const lazy = lazyRouteOf(name);
    if (changed.has('route') && lazy) this.loadScreen(lazy);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('route')) {
      // Move focus to the new screen's heading, as a page load would for screen readers.
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('main')?.focus());
    }
  }

  static override styles = [appShellStyles, visuallyHiddenStyles];

  override render() {
    const kiosk = this.kiosk.settings;
    // The first screen is drawn with the stored forms, not before: nothing then moves when they arrive.
    if (kiosk === undefined || !this.ref.read) return nothing;
    if (kiosk?.on)
      return html`<main tabindex="-1" class="kiosk">
        <fs-kiosk
          .reference=${this.ref.data}
          .stores=${this.stores}
          .settings=${kiosk}
          .pending=${this.pending}
          .online=${this.online}
        ></fs-kiosk>
      </main>`;
    const r = this.route;
    return html`
      <fs-app-nav
        .route=${this.route}
        .pending=${this.pending}
        ?kiosk=${kiosk !== null}
        @click=${this.onLinkClick}
      ></fs-app-nav>
      <fs-session-expiry></fs-session-expiry>
      ${this.online ? nothing : html`<p class="status" role="status">Offline: everything you save is kept on this device and sent later.</p>`}
      ${this.ref.note ? html`<p class="status" role="status">${this.ref.note}</p>` : nothing}
      ${
        this.setupNeeded && this.route.name !== 'setup'
          ? html`<p class="status" role="status">
              This server is not set up yet: open the set-up link it printed when it started.
            </p>`
          : nothing
      }
      ${this.renderFreshness()}
      ${
        this.updateReady
          ? html`<p class="status update" role="status">
              A new version of Fieldsync is ready.
              <button @click=${this.applyUpdate}>Reload to update</button>
            </p>`
          : nothing
      }
      <main tabindex="-1" class=${r.name === 'review' ? 'wide' : ''} @click=${this.onLinkClick}>
        ${this.renderScreen()}
      </main>
    `;
  }

  /** When the forms were last refreshed, a warning when the server says that is too long ago, and "Refresh now". */
  private renderFreshness() {
    const name = this.route.name;
    if (name !== 'forms' && name !== 'new' && name !== 'draft') return nothing;
    const when = this.ref.checkedAt ? numericTime(this.ref.checkedAt) : null;
    const stale = this.ref.stale && when;
    return html`<p class="freshness ${stale ? 'status' : ''}" role="status" aria-live="polite">
      <span
        >${
          stale
            ? `Forms and lists were last refreshed ${when} and may be out of date: refresh when you have a connection.`
            : when
              ? `Forms and lists refreshed ${when}.`
              : 'Forms and lists have not been downloaded yet.'
        }</span
      >
      ${
        name === 'forms'
          ? html`<button @click=${this.onRefreshNow} ?disabled=${this.ref.refreshing}>
              ${this.ref.refreshing ? 'Refreshing…' : 'Refresh now'}
            </button>`
          : nothing
      }
    </p>`;
  }

  private renderScreen() {
    const r = this.route;
    const lazy = lazyRouteOf(r.name);
    if (lazy && !customElements.get(LAZY_SCREENS[lazy].tag)) return this.lazyPlaceholder(lazy);
    switch (r.name) {
      case 'forms':
        return html`<fs-form-list .reference=${this.ref.data} .stores=${this.stores}></fs-form-list>`;
      case 'new':
      case 'draft':
        // One template for both: a new form's screen moves to its draft's address and stays the same element.
        return html`<fs-form-view
          .reference=${this.ref.data}
          .stores=${this.stores}
          form-id=${r.name === 'new' ? r.id : nothing}
          draft-id=${r.name === 'draft' ? r.id : nothing}
        ></fs-form-view>`;
      case 'outbox':
        return html`<fs-outbox
          focus-id=${r.focus ?? ''}
          .reference=${this.ref.data}
          .stores=${this.stores}
          .sync=${this.syncState}
          .online=${this.online}
        ></fs-outbox>`;
      case 'map':
        return html`<fs-map .reference=${this.ref.data} .stores=${this.stores}></fs-map>`;
      case 'diagnostics':
        return html`<fs-diagnostics
          .stores=${this.stores}
          .sender=${this.syncState.sender}
          .path=${this.path}
        ></fs-diagnostics>`;
      case 'enroll':
        return html`<fs-enroll .stores=${this.stores}></fs-enroll>`;
      case 'setup':
        return html`<fs-setup .stores=${this.stores}></fs-setup>`;
      case 'signin':
        return html`<fs-signin></fs-signin>`;
      case 'devices':
        return html`<fs-devices .reference=${this.ref.data}></fs-devices>`;
      case 'users':
        return html`<fs-users .reference=${this.ref.data}></fs-users>`;
      case 'review':
        return html`<fs-review .reference=${this.ref.data}></fs-review>`;
      case 'kiosk':
      case 'kiosk-setup':
        // Kiosk mode is off here (the kiosk itself is drawn above): its settings, to start it again.
        return html`<fs-kiosk-setup .reference=${this.ref.data} .stores=${this.stores}></fs-kiosk-setup>`;
      case 'not-found':
        return html`<h1>Page not found</h1>
          <p>There is nothing at this address. <a href="/">Go to the forms</a>.</p>`;
    }
  }
}

customElements.define('fs-app', FsApp);

declare global {
  interface HTMLElementTagNameMap {
    'fs-app': FsApp;
  }
}
