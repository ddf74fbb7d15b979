import { LitElement, css, html, nothing } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import type { StoredSubmission } from '../../shared/outbox.js';
import { openCorrection, openReturnedCorrection } from '../core/corrections.js';
import { feedbackOf, isReturned, type Feedback } from '../core/feedback.js';
import { onAppMessage } from '../core/outbox-events.js';
import type { SendProgressPayload } from '../../shared/messages.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { deleteSubmission, listSubmissions, requeueSubmission } from '../core/submissions.js';
import type { SyncEngineState } from '../send/sync-engine.js';
import { formatBytes } from '../storage-persistence.js';
import { throttle } from '../throttle.js';
import { controlStyles } from '../styles/controls.js';
import { STATUS_TEXT, statusStyles } from '../styles/status.js';
import './fs-enrollment-notice.js';

/** What deleting loses, in plain words: only a sent submission is safe elsewhere. */
function deleteWarning(sub: StoredSubmission): string {
  if (sub.status === 'sent') return 'The server already has it; this only removes it from this device.';
  const lost = 'Deleting it loses its answers and photos for good.';
  if (sub.status === 'rejected') {
    return `The server never received this submission: it refused it. ${lost} To keep them, choose “Keep it”, then “Fix” or “Send again”.`;
  }
  return `The server has never received this submission. ${lost}`;
}

/**
 * The outbox: every submission on this device with its status, newest first.
 * Updates live as submissions are saved, sent or rejected, in any tab.
 *
 * @fires send-now - the user asked to send everything now.
 * @fires fs-navigate - to open a correction draft.
 */
export class FsOutbox extends LitElement {
  static override properties = {
    reference: { attribute: false },
    sync: { attribute: false },
    online: { attribute: false },
    focusId: { attribute: 'focus-id' },
    items: { state: true },
    confirming: { state: true },
    workerProgress: { state: true },
    error: { state: true },
    feedback: { state: true },
  };

  declare reference: ReferenceData | null;
  /** What the sync engine is doing, and how this device sends. */
  declare sync: SyncEngineState | null;
  /** Whether the browser has a network connection (the app tracks online/offline). */
  declare online: boolean;
  /** A submission to bring into view and focus once listed (opened from the map). */
  declare focusId: string;
  declare items: StoredSubmission[] | null;
  declare confirming: StoredSubmission | null;
  /** What the service worker reports while it sends in the background. */
  declare workerProgress: SendProgressPayload | null;
  declare error: string;
  /** What reviewers did to the submissions listed, by id. */
  declare feedback: Map<string, Feedback>;
  stores: Stores = defaultStores;
  /** The ids of returned submissions whose correction is saved here, from the same listing as items. */
  private corrected = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor() {
    super();
    this.reference = null;
    this.sync = null;
    this.online = navigator.onLine;
    this.focusId = '';
    this.items = null;
    this.confirming = null;
    this.workerProgress = null;
    this.error = '';
    this.feedback = new Map();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const reload = throttle(() => void this.load(), 100);
    this.unsubscribe = onAppMessage((m) => {
      if (m.type === 'submission-changed' || m.type === 'feedback-updated') reload();
      else if (m.type === 'send-progress' && m.payload.sender === 'worker') this.workerProgress = m.payload;
    });
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  private async load(): Promise<void> {
    const first = this.items === null;
    const items = await listSubmissions(this.stores);
    this.feedback = await feedbackOf(
      items.map((s) => s.payload.id),
      this.stores,
    );
    this.corrected = new Set(items.flatMap((i) => (i.payload.correctionOf ? [i.payload.correctionOf] : [])));
    this.items = items;
    if (first && this.focusId) {
      await this.updateComplete;
      const heading = this.renderRoot.querySelector<HTMLElement>(`#h-${CSS.escape(this.focusId)}`);
      heading?.closest('li')?.classList.add('focused');
      heading?.scrollIntoView({ block: 'center' });
      heading?.focus();
    }
  }

  private formTitle(sub: StoredSubmission): string {
    const form = this.reference?.forms.find((f) => f.id === sub.payload.formId);
    return form?.title ?? sub.payload.formId;
  }

  /** The question's label, as the user knows it, for a field name the server reports. */
  private fieldLabel(sub: StoredSubmission, field: string): string {
    const form = this.reference?.forms.find(
      (f) => f.id === sub.payload.formId && f.version === sub.payload.formVersion,
    );
    return form?.fields.find((f) => f.name === field)?.label ?? field;
  }

  private async fix(sub: StoredSubmission): Promise<void> {
    try {
      const draft =
        sub.status === 'sent'
          ? await openReturnedCorrection(sub.payload.id, this.stores)
          : await openCorrection(sub.payload.id, this.stores);
      this.dispatchEvent(
        new CustomEvent('fs-navigate', {
          detail: { path: `/drafts/${draft.id}` },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Queues a refused submission as it is, for when the refusal was the
   * server's to mend (a size limit raised, a form published again).
   */
  private async sendAgain(sub: StoredSubmission): Promise<void> {
    await requeueSubmission(sub.payload.id, this.stores);
    this.dispatchEvent(new CustomEvent('send-now', { bubbles: true, composed: true }));
  }

  private askDelete(sub: StoredSubmission): void {
    this.confirming = sub;
    void this.updateComplete.then(() => this.renderRoot.querySelector('dialog')?.showModal());
  }

  private async confirmDelete(): Promise<void> {
    const sub = this.confirming;
    this.renderRoot.querySelector('dialog')?.close();
    this.confirming = null;
    if (sub) await deleteSubmission(sub.payload.id, this.stores);
  }

  private cancelDelete(): void {
    this.renderRoot.querySelector('dialog')?.close();
    this.confirming = null;
  }

  static override styles = [
    controlStyles,
    statusStyles,
    css`
      :host {
        display: block;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 1rem;
        margin-bottom: 0.75rem;
      }
      h1 {
        margin: 0 auto 0 0;
        font-size: 1.5rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        border: 1px solid var(--fs-border);
        border-radius: 0.5rem;
        padding: 0.75rem;
        background: #fff;
      }
      li.focused {
        outline: 3px solid var(--fs-brand);
        outline-offset: 2px;
      }
      h2:focus {
        outline: none;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.75rem;
        align-items: baseline;
      }
      .head h2 {
        margin: 0;
        font-size: 1.1rem;
        margin-right: auto;
      }
      .meta,
      .why {
        margin: 0.25rem 0 0;
        color: var(--fs-muted);
      }
      .why {
        color: var(--fs-danger);
      }
      .why .by {
        color: var(--fs-muted);
      }
      ul.problems {
        display: block;
        margin: 0.25rem 0 0 1.25rem;
        list-style: disc;
      }
      ul.problems li {
        border: none;
        padding: 0;
      }
      progress {
        width: 100%;
        height: 0.75rem;
      }
    `,
  ];

  override render() {
    const items = this.items;
    const pending = items?.filter((s) => s.status !== 'sent' && s.status !== 'rejected').length ?? 0;
    return html`
      <div class="bar">
        <h1>Outbox</h1>
        <button
          class="primary"
          ?disabled=${pending === 0}
          @click=${() => this.dispatchEvent(new CustomEvent('send-now', { bubbles: true, composed: true }))}
        >
          Send now
        </button>
      </div>
      <fs-enrollment-notice .stores=${this.stores}></fs-enrollment-notice>
      <p role="status" aria-live="polite">${this.summary(items)}</p>
      ${pending ? html`<p class="meta">${this.whenNext()}</p>` : nothing}
      ${this.error ? html`<p class="why" role="alert">${this.error}</p>` : nothing}
      ${
        items === null
          ? html`<p>Loading…</p>`
          : items.length === 0
            ? html`<p>
                Nothing saved on this device yet. Submissions you save appear here until the server has them.
              </p>`
            : html`<ul aria-label="Submissions">
                ${items.map((s) => this.renderItem(s))}
              </ul>`
      }
      <dialog aria-labelledby="del-title" @cancel=${this.cancelDelete}>
        ${
          this.confirming
            ? html`<h2 id="del-title">Delete this submission?</h2>
                <p>${deleteWarning(this.confirming)}</p>
                <div class="actions">
                  <button class="danger" @click=${this.confirmDelete}>Delete</button>
                  <button @click=${this.cancelDelete}>Keep it</button>
                </div>`
            : nothing
        }
      </dialog>
    `;
  }

  private summary(items: StoredSubmission[] | null): string {
    if (!items) return '';
    const st = this.sync?.sender;
    if (st?.running && st.total > 0) {
      const p = st.progress;
      const photos =
        p && p.photosTotal
          ? `, photos ${p.photosDone} of ${p.photosTotal} (${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)})`
          : '';
      return `Sending submission ${st.index} of ${st.total}${photos}…`;
    }
    const waiting = items.filter(
      (s) => s.status === 'queued' || s.status === 'waiting' || s.status === 'sending',
    );
    if (waiting.length === 0) return items.length ? 'Everything saved here has reached the server.' : '';
    const n = waiting.length;
    const lead = `${n} ${n === 1 ? 'submission' : 'submissions'} not yet sent.`;
    if (st?.notEnrolled) return `${lead} They are sent once this device is enrolled again.`;
    if (!this.online) return `${lead} This device has no network: sending starts when it is back.`;
    if (this.sync?.nextCheckAt) {
      return `${lead} The server is not answering. While Fieldsync is open it checks every few seconds and sends as soon as the server answers.`;
    }
    const next = st?.nextAttemptAt;
    return next && next > Date.now() ? `${lead} Next try at ${new Date(next).toLocaleTimeString()}.` : lead;
  }

  /** What happens once the app is closed, and what "Send now" does. */
  private whenNext(): string {
    const closed =
      this.sync?.path?.kind === 'background-sync'
        ? 'If you close Fieldsync, the browser keeps trying on its own schedule, which can mean a wait of several minutes.'
        : 'On this device submissions are sent only while Fieldsync is open: open it again when you have a connection.';
    return `${closed} “Send now” tries at once.`;
  }

  /** What a reviewer said of it: sent back with their comment (and Fix, until corrected), or approved. */
  private renderFeedback(s: StoredSubmission) {
    const f = this.feedback.get(s.payload.id);
    if (!f || f.state === 'received') return nothing;
    if (isReturned(f)) {
      const corrected = this.corrected.has(s.payload.id);
      const created = new Date(s.payload.createdAt).toLocaleString();
      return html`<p class="why returned">
          <strong>Returned${f.state === 'rejected' ? ' (rejected)' : ''}:</strong>
          ${f.comment ?? 'no comment'}
          <span class="by">(${f.by}, ${new Date(f.at).toLocaleString()})</span>
        </p>
        ${
          corrected
            ? html`<p class="meta">Your correction is saved and goes to the reviewer as a new submission.</p>`
            : html`<div class="actions">
                <button
                  class="primary"
                  @click=${() => this.fix(s)}
                  aria-label="Fix ${this.formTitle(s)} saved ${created}"
                >
                  Fix
                </button>
              </div>`
        }`;
    }
    return html`<p class="meta">Approved by ${f.by}${f.comment ? html`: ${f.comment}` : nothing}</p>`;
  }

  private renderItem(s: StoredSubmission) {
    const st = this.sync?.sender;
    const worker = this.workerProgress;
    const mine =
      st?.progress?.id === s.payload.id
        ? st.progress
        : worker?.id === s.payload.id && s.status === 'sending'
          ? worker
          : null;
    const created = new Date(s.payload.createdAt).toLocaleString();
    const headingId = `h-${s.payload.id}`;
    return html`<li aria-labelledby=${headingId} data-id=${s.payload.id}>
      <div class="head">
        <h2 id=${headingId} tabindex="-1">${this.formTitle(s)}</h2>
        <span class="status status-${s.status}">${STATUS_TEXT[s.status]}</span>
      </div>
      <p class="meta">
        Saved ${created} · ${s.payload.photos.length} photo${s.payload.photos.length === 1 ? '' : 's'}
        ${s.receipt ? html` · received ${new Date(s.receipt.receivedAt).toLocaleString()} (no. ${s.receipt.seq})` : nothing}
      </p>
      ${
        mine && mine.bytesTotal
          ? html`<progress
              max=${mine.bytesTotal}
              value=${mine.bytesDone}
              aria-label="Photos sent for this submission"
            ></progress>`
          : nothing
      }
      ${
        s.status === 'rejected' && s.rejection
          ? html`<div class="why">
              ${
                s.rejection.problems?.length
                  ? html`Refused by the server. Fix these answers, then save again:
                      <ul class="problems">
                        ${s.rejection.problems.map((p) => html`<li>${this.fieldLabel(s, p.field)}: ${p.message}</li>`)}
                      </ul>`
                  : html`Refused by the server: ${s.rejection.message}`
              }
            </div>`
          : nothing
      }
      ${this.renderFeedback(s)}
      ${
        (s.status === 'queued' || s.status === 'waiting') && s.lastError
          ? html`<p class="meta">
              Last try: ${s.lastError}${s.status === 'waiting' ? ' It will be retried.' : ''}
            </p>`
          : nothing
      }
      <div class="actions">
        ${
          s.status === 'rejected'
            ? html`<button
                  class="primary"
                  @click=${() => this.fix(s)}
                  aria-label="Fix ${this.formTitle(s)} saved ${created}"
                >
                  Fix
                </button>
                <button
                  @click=${() => this.sendAgain(s)}
                  aria-label="Send again ${this.formTitle(s)} saved ${created}"
                >
                  Send again
                </button>`
            : nothing
        }
        <button
          class="danger"
          @click=${() => this.askDelete(s)}
          aria-label="Delete ${this.formTitle(s)} saved ${created}"
        >
          Delete
        </button>
      </div>
    </li>`;
  }
}

customElements.define('fs-outbox', FsOutbox);

declare global {
  interface HTMLElementTagNameMap {
    'fs-outbox': FsOutbox;
  }
}
