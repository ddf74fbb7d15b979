import { LitElement, css, html, nothing } from 'lit';
import {
  RETURNING_STATES,
  REVIEW_STATE_LABEL,
  type BulkReviewRequest,
  type ReviewState,
} from '../../shared/review.js';
import { bulkReview, countForReview, filterObject, type ReviewFilter } from '../review/review-api.js';
import { controlStyles } from '../styles/controls.js';
import { statusStyles } from '../styles/status.js';
import { stillClosed } from '../dialog-close.js';

/** The states a reviewer sets on many at once. */
const STATES: ReviewState[] = ['approved', 'has_issues', 'rejected'];

const number = (n: number): string => n.toLocaleString();
const submissions = (n: number): string => `${number(n)} submission${n === 1 ? '' : 's'}`;

/** Which set the dialog reviews: the rows selected, or everything the filter matches (as counted). */
type Target = { kind: 'selected' } | { kind: 'all'; count: number | null; upTo: number };

/**
 * Review many at once: the rows selected, or all that match the filter.
 * The dialog shows how many before confirming (for "all", a count the
 * server makes now; what arrives later is not included), needs a comment
 * to send them back, and says what happened, or that the set changed
 * meanwhile and how many it holds now.
 *
 * @fires bulk-done - a bulk review applied; detail: { state, changed }.
 * @fires selection-clear - the reviewer cleared the selection.
 */
export class FsReviewBulk extends LitElement {
  static override properties = {
    filter: { attribute: false },
    selected: { attribute: false },
    target: { state: true },
    problem: { state: true },
    done: { state: true },
    busy: { state: true },
  };

  declare filter: ReviewFilter;
  /** The ids of the rows selected. */
  declare selected: readonly string[];
  declare target: Target | null;
  declare problem: string;
  /** What the last review did, in words. */
  declare done: string;
  declare busy: boolean;

  constructor() {
    super();
    this.filter = {};
    this.selected = [];
    this.target = null;
    this.problem = '';
    this.done = '';
    this.busy = false;
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  private async open(target: Target): Promise<void> {
    this.target = target;
    this.problem = '';
    this.done = '';
    await this.updateComplete;
    this.dialog?.showModal();
    if (target.kind === 'all') await this.count();
  }

  private async count(): Promise<void> {
    const outcome = await countForReview(this.filter);
    if (this.target?.kind !== 'all') return;
    if (outcome.kind !== 'ok') {
      this.problem = outcome.message;
      return;
    }
    this.target = { kind: 'all', ...outcome.value };
  }

  private close(): void {
    this.dialog?.close();
    this.target = null;
  }

  private onDialogClose(e: Event): void {
    if (stillClosed(e)) this.target = null;
  }

  private size(): number | null {
    const t = this.target;
    return t === null ? null : t.kind === 'selected' ? this.selected.length : t.count;
  }

  private async apply(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const state = data.get('state') as ReviewState | null;
    const comment = String(data.get('comment') ?? '').trim();
    const target = this.target;
    const size = this.size();
    if (!target || size === null || this.busy) return;
    if (!state) {
      this.problem = 'Choose the state to set.';
      return;
    }
    if (RETURNING_STATES.includes(state) && comment === '') {
      this.problem = `Say what needs fixing in the comment: it goes back to the field workers with "${REVIEW_STATE_LABEL[state]}".`;
      form.querySelector<HTMLTextAreaElement>('textarea')?.focus();
      return;
    }
    const request: BulkReviewRequest = {
      ...(target.kind === 'selected'
        ? { ids: [...this.selected] }
        : { filter: filterObject(this.filter), upTo: target.upTo }),
      expectedCount: size,
      state,
      ...(comment ? { comment } : {}),
    };
    this.busy = true;
    const outcome = await bulkReview(request);
    this.busy = false;
    if (outcome.kind !== 'ok') {
      this.problem = outcome.message;
      // The set changed: count again, for the reviewer to confirm the new number.
      if (outcome.kind === 'refused' && outcome.status === 409 && target.kind === 'all') await this.count();
      return;
    }
    const { changed, matched } = outcome.value;
    const already = matched - changed;
    this.done = `${submissions(changed)} marked ${REVIEW_STATE_LABEL[state]}${already > 0 ? ` (${number(already)} already ${already === 1 ? 'was' : 'were'})` : ''}.`;
    this.close();
    this.dispatchEvent(new CustomEvent('bulk-done', { detail: { state, changed } }));
  }

  static override styles = [
    controlStyles,
    statusStyles,
    css`
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 0.5rem;
      }
      dialog {
        max-width: min(32rem, 92vw);
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        padding: 1rem 1.25rem;
      }
      dialog h2 {
        font-size: 1.25rem;
        margin: 0 0 0.5rem;
      }
      fieldset {
        border: 0;
        padding: 0;
        margin: 0 0 0.75rem;
      }
      .choice {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        min-height: var(--_target);
      }
      textarea {
        width: 100%;
        min-height: 5rem;
        font: inherit;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.75rem;
      }
    `,
  ];

  override render() {
    const n = this.selected.length;
    return html`<div class="bar">
        ${
          n > 0
            ? html`<span>${submissions(n)} selected</span>
                <button @click=${() => void this.open({ kind: 'selected' })}>
                  Review the ${number(n)} selected…
                </button>
                <button @click=${() => this.dispatchEvent(new CustomEvent('selection-clear'))}>
                  Clear the selection
                </button>`
            : nothing
        }
        <button @click=${() => void this.open({ kind: 'all', count: null, upTo: 0 })}>
          Review all that match…
        </button>
        <span role="status">${this.done}</span>
      </div>
      <dialog aria-labelledby="bulk-title" @close=${this.onDialogClose}>${this.renderDialog()}</dialog>`;
  }

  private renderDialog() {
    const size = this.size();
    if (!this.target) return nothing;
    const all = this.target.kind === 'all';
    return html`<form @submit=${this.apply}>
      <h2 id="bulk-title">${all ? 'Review all that match' : 'Review the selected'}</h2>
      <p role="status">
        ${
          size === null
            ? 'Counting…'
            : all
              ? `${submissions(size)} ${size === 1 ? 'matches' : 'match'} the filter now. Any received after this count are left for you to look at.`
              : html`${submissions(size)} selected.`
        }
      </p>
      <fieldset>
        <legend>Set them to</legend>
        ${STATES.map(
          (s) =>
            html`<label class="choice"
              ><input type="radio" name="state" value=${s} required /> ${REVIEW_STATE_LABEL[s]}</label
            >`,
        )}
      </fieldset>
      <label class="label" for="bulk-comment">Comment</label>
      <p class="hint" id="bulk-comment-hint">Required to send them back: each field worker sees it.</p>
      <textarea
        id="bulk-comment"
        name="comment"
        maxlength="4000"
        aria-describedby="bulk-comment-hint"
      ></textarea>
      <div role="alert">${this.problem ? html`<p class="banner error">${this.problem}</p>` : nothing}</div>
      <div class="actions">
        <button class="primary" type="submit" ?disabled=${this.busy || size === null || size === 0}>
          ${size === null ? 'Apply' : `Apply to ${submissions(size)}`}
        </button>
        <button type="button" @click=${() => this.close()}>Cancel</button>
      </div>
    </form>`;
  }
}

customElements.define('fs-review-bulk', FsReviewBulk);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review-bulk': FsReviewBulk;
  }
}
