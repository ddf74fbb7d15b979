import { LitElement, css, html, type PropertyValues } from 'lit';
import type { DeviceOutbox } from '../../shared/live.js';
import { controlStyles } from '../styles/controls.js';
import { age, ago } from '../time-words.js';

/** How often the "ago" words are brought up to date. */
const TICK_MS = 60_000;

/** Devices holding the most, and the oldest, first; then the rest by name. */
function byUrgency(a: DeviceOutbox, b: DeviceOutbox): number {
  if (a.waiting !== b.waiting) return b.waiting - a.waiting;
  if (a.oldestCapturedAt && b.oldestCapturedAt)
    return Date.parse(a.oldestCapturedAt) - Date.parse(b.oldestCapturedAt);
  return a.deviceName.localeCompare(b.deviceName);
}

/**
 * What is still stuck in the field: for each device, how many submissions
 * it holds unsent, the oldest's age, and when it was last seen, as each
 * device last reported (docs/api.md, "Outbox reports").
 */
export class FsFieldOutboxes extends LitElement {
  static override properties = {
    devices: { attribute: false },
    now: { state: true },
  };

  declare devices: DeviceOutbox[];
  declare now: number;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    this.devices = [];
    this.now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = setInterval(() => (this.now = Date.now()), TICK_MS);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Ages count from now, not from the last tick.
    if (changed.has('devices')) this.now = Date.now();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer) clearInterval(this.timer);
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
        margin-bottom: 0.75rem;
      }
      summary {
        min-height: var(--_target);
        display: flex;
        align-items: center;
        cursor: pointer;
        font-weight: 600;
      }
      ul {
        list-style: none;
        margin: 0.25rem 0 0;
        padding: 0;
        display: grid;
        gap: 0.25rem;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.75rem;
        padding: 0.4rem 0.6rem;
        border: 1px solid var(--_border);
        border-radius: 0.4rem;
        background: #fff;
      }
      .name {
        font-weight: 600;
      }
      .stuck {
        color: #8a3b00;
      }
      .muted {
        color: var(--_muted);
      }
    `,
  ];

  override render() {
    const holding = this.devices.filter((d) => d.waiting > 0);
    const waiting = holding.reduce((n, d) => n + d.waiting, 0);
    const summary =
      holding.length === 0
        ? 'Nothing waiting on devices'
        : `${waiting} waiting on ${holding.length} device${holding.length === 1 ? '' : 's'}`;
    return html`<details ?open=${holding.length > 0}>
      <summary>${summary}</summary>
      ${
        this.devices.length === 0
          ? html`<p class="muted">No device has reported yet: each does when it next talks to the server.</p>`
          : html`<ul aria-label="Devices in the field">
              ${[...this.devices].sort(byUrgency).map((d) => this.renderDevice(d))}
            </ul>`
      }
    </details>`;
  }

  private renderDevice(d: DeviceOutbox) {
    const seen = d.lastSeenAt ?? d.receivedAt;
    const oldest = d.oldestCapturedAt ? `, oldest ${age(d.oldestCapturedAt, this.now)}` : '';
    return html`<li>
      <span class="name">${d.deviceName}</span>
      ${
        d.waiting > 0
          ? html`<span class="stuck">${`${d.waiting} waiting${oldest}`}</span>`
          : html`<span class="muted">nothing waiting</span>`
      }
      <span class="muted">${`last seen ${ago(seen, this.now)}`}</span>
    </li>`;
  }
}

customElements.define('fs-field-outboxes', FsFieldOutboxes);

declare global {
  interface HTMLElementTagNameMap {
    'fs-field-outboxes': FsFieldOutboxes;
  }
}
