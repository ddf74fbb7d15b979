import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { StoredSubmission } from '../../shared/outbox.js';
import type { Health } from '../../shared/submission.js';
import { apiFetch } from '../core/api-request.js';
import { getEnrollment, type EnrollmentState } from '../core/enrollment.js';
import { getDeviceId } from '../core/settings.js';
import { getReferenceStatus, type RefreshAttempt } from '../core/reference.js';
import { onAppMessage } from '../core/outbox-events.js';
import {
  applyBackgroundRefresh,
  backgroundRefreshState,
  setBackgroundRefreshSetting,
  type BackgroundRefreshState,
} from '../reference/background-refresh.js';
import { values } from 'idb-keyval';
import { defaultStores, type Stores } from '../core/stores.js';
import type { SavedArea } from '../map/offline-areas.js';
import { readOutbox, type UnreadableRecord } from '../core/submissions.js';
import type { SenderState } from '../send/page-sender.js';
import { wakeLockSupported } from '../kiosk/wake-lock-controller.js';
import './fs-free-sent-setting.js';
import { controlStyles } from '../styles/controls.js';
import { permissionState, type SendingPath } from '../send/sending-path.js';
import { workerRegistration } from '../worker-registration.js';
import {
  formatBytes,
  requestPersistence,
  storageReport,
  type StorageReport,
} from '../storage-persistence.js';
import './fs-enrollment-notice.js';

interface Report {
  worker: string;
  tags: string[] | null;
  permissions: { backgroundSync: string; periodicSync: string };
  storage: StorageReport;
  deviceId: string;
  counts: Record<string, number>;
  failed: StoredSubmission[];
  unreadable: UnreadableRecord[];
  referenceCheckedAt: string | null;
  lastRefresh: RefreshAttempt | null;
  backgroundRefresh: BackgroundRefreshState;
  server: string;
  mapTiles: MapTiles;
  enrollment: EnrollmentState;
}

interface MapTiles {
  seen: { count: number; bytes: number };
  /** Viewed tiles beyond this size make room by evicting the least recently used. */
  limitBytes: number;
  savedAreas: number;
  savedBytes: number;
}

/** The map's tile storage; its code is loaded only when asked for, as the map's is. */
async function mapTiles(s: Stores): Promise<MapTiles> {
  const [{ seenTileStats, DEFAULT_MAX_TILE_BYTES }, areas] = await Promise.all([
    import('../core/tile-cache.js'),
    values<Partial<SavedArea>>(s.areas),
  ]);
  return {
    seen: await seenTileStats(s),
    limitBytes: DEFAULT_MAX_TILE_BYTES,
    savedAreas: areas.length,
    savedBytes: areas.reduce((sum, a) => sum + (typeof a.bytes === 'number' ? a.bytes : 0), 0),
  };
}

/**
 * What a field worker (or whoever helps them on the phone) needs to see when
 * something seems stuck: storage, the sending path, each failure's reason and
 * whether the server answers. The in-app stand-in for browser DevTools.
 */
export class FsDiagnostics extends LitElement {
  static override properties = {
    sender: { attribute: false },
    path: { attribute: false },
    report: { state: true },
    settingError: { state: true },
  };

  declare sender: SenderState | null;
  declare path: SendingPath | null;
  declare report: Report | null;
  declare settingError: string;
  stores: Stores = defaultStores;

  constructor() {
    super();
    this.sender = null;
    this.path = null;
    this.report = null;
    this.settingError = '';
  }

  private unsubscribe: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    // A refresh finished somewhere (this page, another, the worker): show its outcome.
    this.unsubscribe = onAppMessage((m) => {
      if (m.type === 'reference-updated') void this.load();
    });
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The path is decided after the worker is registered: describe that worker, not its absence.
    if (changed.has('path') && this.hasUpdated) void this.load();
  }

  private async probeServer(): Promise<string> {
    try {
      const res = await apiFetch('/api/health', { cache: 'no-store', signal: AbortSignal.timeout(5000) });
      if (!res.ok) return `answers HTTP ${res.status}`;
      const h = (await res.json()) as Partial<Health>;
      return h.ok === true ? `reachable (version ${h.version ?? '?'})` : 'answers, but not as expected';
    } catch {
      return 'not reachable';
    }
  }

  private async describeWorker(): Promise<string> {
    const reg = workerRegistration.registration;
    if (!reg) return workerRegistration.problem ?? 'not registered';
    const active = reg.active?.state ?? 'none';
    const version = await workerRegistration.workerVersion();
    const waiting = reg.waiting ? '; a new version is waiting' : '';
    const control = navigator.serviceWorker.controller
      ? 'controls this page'
      : 'does not control this page yet';
    return `${active}, ${control}${version ? `, version ${version}` : ''}${waiting}`;
  }

  private async load(): Promise<void> {
    const reg = workerRegistration.registration;
    const [worker, tags, backgroundSync, periodicSync] = await Promise.all([
      this.describeWorker(),
      reg?.sync ? reg.sync.getTags().catch(() => null) : Promise.resolve(null),
      permissionState('background-sync'),
      permissionState('periodic-background-sync'),
    ]);
    const [storage, deviceId, outbox, ref, backgroundRefresh, server, tiles, enrollment] = await Promise.all([
      storageReport(),
      getDeviceId(this.stores),
      readOutbox(this.stores),
      getReferenceStatus(this.stores),
      backgroundRefreshState(reg, this.stores),
      this.probeServer(),
      mapTiles(this.stores),
      getEnrollment(this.stores),
    ]);
    const counts: Record<string, number> = { queued: 0, sending: 0, waiting: 0, rejected: 0, sent: 0 };
    const subs = outbox.records;
    for (const s of subs) counts[s.status] = (counts[s.status] ?? 0) + 1;
    this.report = {
      worker,
      tags,
      permissions: { backgroundSync, periodicSync },
      storage,
      deviceId,
      counts,
      failed: subs.filter((s) => s.lastError !== null && s.status !== 'sent'),
      unreadable: outbox.unreadable,
      referenceCheckedAt: ref.reference?.checkedAt ?? null,
      lastRefresh: ref.lastAttempt ?? null,
      backgroundRefresh,
      server,
      mapTiles: tiles,
      enrollment,
    };
  }

  private readonly onBackgroundRefreshChange = async (e: Event) => {
    const enabled = (e.target as HTMLInputElement).checked;
    this.settingError = '';
    try {
      await setBackgroundRefreshSetting(enabled, this.stores);
      await applyBackgroundRefresh(workerRegistration.registration, this.stores);
    } catch (err) {
      this.settingError = `The setting could not be applied: ${err instanceof Error ? err.message : String(err)}`;
    }
    await this.load();
  };

  private async forgetTiles(): Promise<void> {
    const { clearSeenTiles } = await import('../core/tile-cache.js');
    await clearSeenTiles(undefined, this.stores);
    await this.load();
  }

  private async persist(): Promise<void> {
    await requestPersistence();
    await this.load();
  }

  private renderReference(r: Report) {
    const bg = r.backgroundRefresh;
    // Browsers grant periodic sync to installed apps they see used; elsewhere a ticked box would mislead.
    const available = bg.tags !== null && bg.permission === 'granted';
    const last = r.lastRefresh;
    return html`
      <h2>Forms and lists</h2>
      <label class="setting">
        <input
          type="checkbox"
          .checked=${bg.enabled && available}
          ?disabled=${!available}
          aria-describedby=${available ? nothing : 'bg-unavailable'}
          @change=${this.onBackgroundRefreshChange}
        />
        Refresh forms and lists in the background (about once a day, where the browser allows it)
      </label>
      ${
        available
          ? nothing
          : html`<p id="bg-unavailable" class="note">
              Not possible here
              (${bg.permission === 'unsupported' || bg.tags === null ? 'this browser has no periodic background sync' : `permission: ${bg.permission}`}):
              forms and lists are refreshed when the app opens, when the network returns, and with “Refresh
              now”.
            </p>`
      }
      ${this.settingError ? html`<p role="alert">${this.settingError}</p>` : nothing}
      <dl aria-label="Forms and lists">
        <dt>Background refresh</dt>
        <dd>${bg.status}: ${bg.reason}</dd>
        <dt>Periodic sync tags</dt>
        <dd>${bg.tags === null ? 'not available' : bg.tags.length ? bg.tags.join(', ') : 'none'}</dd>
        <dt>Periodic sync permission</dt>
        <dd>${bg.permission}</dd>
        <dt>Last refreshed</dt>
        <dd>${r.referenceCheckedAt ? new Date(r.referenceCheckedAt).toLocaleString() : 'never'}</dd>
        <dt>Last attempt</dt>
        <dd>
          ${
            last
              ? `${new Date(last.at).toLocaleString()} by the ${last.by === 'worker' ? 'service worker' : 'app'}: ${last.outcome}. ${last.message}`
              : 'none yet'
          }
        </dd>
      </dl>
    `;
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }
      h1 {
        font-size: 1.5rem;
        margin: 0 0 0.5rem;
      }
      h2 {
        font-size: 1.15rem;
        margin: 1.25rem 0 0.5rem;
      }
      dl {
        display: grid;
        grid-template-columns: minmax(8rem, max-content) 1fr;
        gap: 0.35rem 1rem;
        margin: 0;
      }
      dt {
        font-weight: 600;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .setting {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        min-height: 44px;
        margin-bottom: 0.5rem;
      }
      .setting input {
        width: 1.5rem;
        height: 1.5rem;
        flex: none;
      }
      @media (max-width: 30rem) {
        dl {
          grid-template-columns: 1fr;
        }
        dd {
          margin-bottom: 0.5rem;
        }
      }
    `,
  ];

  override render() {
    const r = this.report;
    if (!r)
      return html`<h1>Diagnostics</h1>
        <p>Collecting…</p>`;
    const { usage, quota, persisted } = r.storage;
    const st = this.sender;
    return html`
      <h1>Diagnostics</h1>
      <fs-enrollment-notice .stores=${this.stores}></fs-enrollment-notice>
      <button @click=${() => this.load()}>Refresh</button>
      <h2>Sending</h2>
      <dl aria-label="Sending">
        <dt>Sending path</dt>
        <dd>
          ${
            this.path?.kind === 'background-sync'
              ? 'Background Sync (the service worker sends, even after the app is closed)'
              : 'From this page (sent while the app is open; retried when it opens, comes online or is shown again)'
          }${this.path ? html`. ${this.path.reason}` : nothing}
        </dd>
        <dt>Service worker</dt>
        <dd>${r.worker}</dd>
        <dt>Background Sync tags</dt>
        <dd>${r.tags === null ? 'not available' : r.tags.length ? r.tags.join(', ') : 'none'}</dd>
        <dt>Permissions</dt>
        <dd>
          Background Sync: ${r.permissions.backgroundSync}; periodic Background Sync:
          ${r.permissions.periodicSync}
        </dd>
        <dt>Sender</dt>
        <dd>
          ${st?.running ? 'sending now' : 'idle'}${
            st?.lastRunAt ? html`, last run ${new Date(st.lastRunAt).toLocaleTimeString()}` : nothing
          }${st?.nextAttemptAt ? html`, next try ${new Date(st.nextAttemptAt).toLocaleTimeString()}` : nothing}
        </dd>
        <dt>Server</dt>
        <dd>${r.server}</dd>
        <dt>Network</dt>
        <dd>${navigator.onLine ? 'the browser says online' : 'the browser says offline'}</dd>
      </dl>
      <h2>Submissions on this device</h2>
      <dl aria-label="Submissions by status">
        ${Object.entries(r.counts).map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${v}</dd>`,
        )}
      </dl>
      ${
        r.failed.length
          ? html`<h2>Last error of each unsent submission</h2>
              <ul>
                ${r.failed.map(
                  (s) =>
                    html`<li>
                      ${s.payload.formId} saved ${new Date(s.payload.createdAt).toLocaleString()}
                      (${s.status}, ${s.attempts} failed attempts): ${s.lastError}
                    </li>`,
                )}
              </ul>`
          : nothing
      }
      ${
        r.unreadable.length
          ? html`<h2>Records this version cannot read (kept untouched)</h2>
              <ul>
                ${r.unreadable.map((u) => html`<li>${u.key}: ${u.problem}</li>`)}
              </ul>`
          : nothing
      }
      ${this.renderReference(r)}
      <h2>Storage</h2>
      <dl aria-label="Storage">
        <dt>Persistent</dt>
        <dd>
          ${
            persisted === null
              ? 'unknown (not supported by this browser)'
              : persisted
                ? 'yes: the browser will not clear it to save space'
                : html`no: the browser may clear it when space runs low
                    <button @click=${this.persist}>Ask to keep data</button>`
          }
        </dd>
        <dt>Used</dt>
        <dd>${usage === null ? 'unknown' : formatBytes(usage)}</dd>
        <dt>Free</dt>
        <dd>${usage === null || quota === null ? 'unknown' : formatBytes(Math.max(0, quota - usage))}</dd>
        <dt>Map tiles viewed</dt>
        <dd>
          ${r.mapTiles.seen.count} (${formatBytes(r.mapTiles.seen.bytes)}), kept for offline use; the least
          recently used go first beyond ${formatBytes(r.mapTiles.limitBytes)}
          ${r.mapTiles.seen.count ? html`<button @click=${this.forgetTiles}>Forget viewed map tiles</button>` : nothing}
        </dd>
        <dt>Map areas saved</dt>
        <dd>
          ${r.mapTiles.savedAreas} (${formatBytes(r.mapTiles.savedBytes)}); delete them on the Map screen
        </dd>
      </dl>
      <fs-free-sent-setting .stores=${this.stores}></fs-free-sent-setting>
      <h2>This device</h2>
      <dl aria-label="This device">
        <dt>Device id</dt>
        <dd>${r.deviceId}</dd>
        <dt>Enrollment</dt>
        <dd>${describeEnrollment(r.enrollment)}</dd>
        <dt>App version</dt>
        <dd>${__APP_VERSION__}</dd>
        <dt>Keeping the screen on</dt>
        <dd>
          ${
            wakeLockSupported()
              ? 'supported (Screen Wake Lock): a kiosk keeps the screen on'
              : "not supported by this browser (Screen Wake Lock; on iPhone and iPad, home-screen apps have it from iOS 18.4): set the device's own screen timeout for kiosk use"
          }
        </dd>
        <dt>Kiosk mode</dt>
        <dd><a href="/kiosk/setup">Set up or start kiosk mode</a></dd>
      </dl>
    `;
  }
}

/** What the server last said about this browser as a device, in words. */
function describeEnrollment(e: EnrollmentState): string {
  const when = (iso: string) => new Date(iso).toLocaleString();
  if (e.notEnrolledSince) return `the server has not known this device since ${when(e.notEnrolledSince)}`;
  if (!e.device) return 'not known yet';
  const forms = e.device.formIds === null ? 'every form' : `forms ${e.device.formIds.join(', ')}`;
  return `enrolled as “${e.device.name}” (${forms}${e.device.kiosk ? ', kiosk' : ''})${
    e.confirmedAt ? `, as the server said ${when(e.confirmedAt)}` : ''
  }`;
}

customElements.define('fs-diagnostics', FsDiagnostics);

declare global {
  interface HTMLElementTagNameMap {
    'fs-diagnostics': FsDiagnostics;
  }
  /** Injected at build time from package.json. */
  const __APP_VERSION__: string;
}
