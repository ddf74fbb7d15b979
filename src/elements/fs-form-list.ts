import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { FormDef, ReferenceData } from '../../shared/forms.js';
import type { Draft } from '../../shared/outbox.js';
import { isEmpty } from '../../shared/validate.js';
import { deleteDraft, isBlankDraft, listDrafts } from '../core/drafts.js';
import { startableForms } from '../core/form-versions.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { controlStyles } from '../styles/controls.js';
import './fs-enrollment-notice.js';
import { ago, numericTime } from '../time-words.js';
import { stillClosed } from '../dialog-close.js';

function answerCount(d: Draft): number {
  return Object.values(d.answers).filter((v) => !isEmpty(v)).length;
}

/**
 * The start screen: the forms on this device that can be started (newest
 * version of each, withdrawn ones left out), and the unfinished forms
 * (drafts) to resume or delete, whatever version they are on.
 *
 * @fires fs-navigate - `{ path }` to open a form (`/forms/:id`) or a draft (`/drafts/:id`).
 */
export class FsFormList extends LitElement {
  static override properties = {
    reference: { attribute: false },
    stores: { attribute: false },
    drafts: { state: true },
    deleting: { state: true },
    notice: { state: true },
  };

  declare reference: ReferenceData | null;
  declare stores: Stores;
  /** null while loading. */
  declare private drafts: Draft[] | null;
  /** The draft the confirmation dialog is about. */
  declare private deleting: Draft | null;
  declare private notice: string;

  constructor() {
    super();
    this.reference = null;
    this.stores = defaultStores;
    this.drafts = null;
    this.deleting = null;
    this.notice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) void this.load();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('stores')) void this.load();
  }

  private async load(): Promise<void> {
    const stores = this.stores;
    const drafts = (await listDrafts(stores)).filter((d) => !isBlankDraft(d));
    if (stores === this.stores) this.drafts = drafts;
  }

  /**
   * The forms that can be started: the newest version of each that the server
   * has not withdrawn, in the order the server lists them. A form with every
   * version withdrawn is left out; its drafts are still listed below.
   */
  private forms(): FormDef[] {
    return startableForms(this.reference);
  }

  private titleOf(d: Draft): string {
    const forms = this.reference?.forms ?? [];
    const own = forms.find((f) => f.id === d.formId && f.version === d.formVersion);
    return (own ?? forms.find((f) => f.id === d.formId))?.title ?? d.formId;
  }

  private onLink(e: MouseEvent): void {
    const a = (e.target as Element).closest('a');
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const path = new URL(a.href).pathname;
    this.dispatchEvent(new CustomEvent('fs-navigate', { detail: { path }, bubbles: true, composed: true }));
  }

  private askDelete(d: Draft): void {
    this.deleting = d;
    this.notice = '';
    void this.updateComplete.then(() => this.renderRoot.querySelector('dialog')?.showModal());
  }

  private async confirmDelete(): Promise<void> {
    const d = this.deleting;
    this.renderRoot.querySelector('dialog')?.close();
    this.deleting = null;
    if (!d) return;
    await deleteDraft(d.id, this.stores);
    await this.load();
    this.notice = `The unfinished “${this.titleOf(d)}” was deleted.`;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#drafts-title')?.focus();
  }

  private onDialogClose(e: Event): void {
    if (!stillClosed(e)) return;
    const d = this.deleting;
    // Back to the button that opened it (the draft was kept).
    if (d) this.renderRoot.querySelector<HTMLElement>(`[data-delete="${d.id}"]`)?.focus();
  }

  override render() {
    const forms = this.forms();
    return html`<div @click=${this.onLink}>
      <h1>Forms</h1>
      <fs-enrollment-notice .stores=${this.stores}></fs-enrollment-notice>
      ${
        this.reference === null
          ? html`<p>Loading the forms…</p>`
          : forms.length === 0
            ? this.reference.forms.length === 0
              ? html`<p>There are no forms on this device yet. Connect to the network to download them.</p>`
              : html`<p>No form can be started: every form on this device was withdrawn.</p>`
            : html`<ul class="cards">
                ${forms.map(
                  (f) =>
                    html`<li>
                      <a href="/forms/${encodeURIComponent(f.id)}">
                        <span class="name">${f.title}</span>
                        ${f.description ? html`<span class="text">${f.description}</span>` : nothing}
                        <span class="meta">Version ${f.version}</span>
                      </a>
                    </li>`,
                )}
              </ul>`
      }
      ${this.renderDrafts()} ${this.renderDialog()}
    </div>`;
  }

  private renderDrafts() {
    const drafts = this.drafts;
    // Shown with the forms, not before them: arriving first, they would be pushed down by the forms.
    if (drafts === null || this.reference === null) return nothing;
    return html`<section aria-labelledby="drafts-title">
      <h2 id="drafts-title" tabindex="-1">Unfinished forms</h2>
      <p role="status" class="notice">${this.notice}</p>
      ${
        drafts.length === 0
          ? html`<p class="empty">None: forms you start and leave unsaved appear here.</p>`
          : html`<ul class="drafts">
              ${drafts.map((d) => {
                const title = this.titleOf(d);
                const n = answerCount(d);
                const when = ago(d.updatedAt);
                return html`<li>
                  <a href="/drafts/${encodeURIComponent(d.id)}">
                    <span class="name"
                      >${title}${d.correcting ? html` <span class="tag">Correction</span>` : nothing}</span
                    >
                    <span class="meta">
                      Edited
                      <time datetime=${d.updatedAt} title=${numericTime(d.updatedAt)}>${when}</time>
                      · ${n} ${n === 1 ? 'answer' : 'answers'}
                    </span>
                  </a>
                  <button
                    type="button"
                    class="danger"
                    data-delete=${d.id}
                    aria-label="Delete ${title}, edited ${when}"
                    @click=${() => this.askDelete(d)}
                  >
                    Delete
                  </button>
                </li>`;
              })}
            </ul>`
      }
    </section>`;
  }

  private renderDialog() {
    const d = this.deleting;
    return html`<dialog
      aria-labelledby="delete-title"
      aria-describedby="delete-text"
      @close=${this.onDialogClose}
    >
      ${
        d
          ? html`<h2 id="delete-title">Delete this unfinished form?</h2>
              <p id="delete-text">
                “${this.titleOf(d)}”, edited ${ago(d.updatedAt)}, with ${answerCount(d)}
                ${answerCount(d) === 1 ? 'answer' : 'answers'}.
                ${
                  d.correcting
                    ? 'Your corrections are deleted; the refused submission stays in the outbox.'
                    : 'Its answers and photos are deleted from this device.'
                }
              </p>
              <div class="actions">
                <button
                  type="button"
                  autofocus
                  @click=${() => this.renderRoot.querySelector('dialog')?.close()}
                >
                  Keep it
                </button>
                <button type="button" class="danger primary" @click=${this.confirmDelete}>Delete</button>
              </div>`
          : nothing
      }
    </dialog>`;
  }

  static override styles = [
    controlStyles,
    css`
      :host {
        max-width: 48rem;
        margin: 0 auto;
      }
      h1 {
        margin: 0.5rem 0 0.75rem;
        font-size: 1.5rem;
      }
      h2 {
        margin: 1.5rem 0 0.5rem;
        font-size: 1.25rem;
      }
      h2:focus {
        outline: none;
      }
      ul {
        display: grid;
        gap: 0.6rem;
        margin: 0;
        padding: 0;
        list-style: none;
      }
      a {
        display: flex;
        flex-direction: column;
        gap: 0.15rem;
        min-height: var(--_target);
        padding: 0.75rem 1rem;
        border: 2px solid var(--_border);
        border-left: 8px solid var(--_brand);
        border-radius: 0.5rem;
        background: var(--_surface);
        color: var(--_fg);
        text-decoration: none;
      }
      a:hover {
        border-color: var(--_brand);
      }
      .name {
        font-weight: 700;
        font-size: 1.1rem;
        color: var(--_brand);
      }
      .meta {
        color: var(--_muted);
        font-size: 0.95rem;
      }
      .drafts li {
        display: flex;
        gap: 0.5rem;
        align-items: stretch;
      }
      .drafts a {
        flex: 1 1 auto;
        min-width: 0;
      }
      .tag {
        display: inline-block;
        padding: 0 0.4em;
        border: 2px solid currentColor;
        border-radius: 0.3em;
        font-size: 0.85rem;
      }
      .notice:empty {
        display: none;
      }
      .empty {
        color: var(--_muted);
      }
    `,
  ];
}

customElements.define('fs-form-list', FsFormList);

declare global {
  interface HTMLElementTagNameMap {
    'fs-form-list': FsFormList;
  }
}
