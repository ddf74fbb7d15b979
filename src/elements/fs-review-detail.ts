import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import {
  RETURNING_STATES,
  REVIEW_STATE_LABEL,
  type ReviewEvent,
  type ReviewItem,
  type ReviewState,
} from '../../shared/review.js';
import { REVIEW_FLAG_LABEL } from '../../shared/review-flags.js';
import { answerText, formOf, placeText } from '../review/answer-text.js';
import { listForReview, review, reviewHistory, selectReviewItem } from '../review/review-api.js';
import { controlStyles } from '../styles/controls.js';
import { reviewStateStyles } from '../styles/review-states.js';
import { statusStyles } from '../styles/status.js';
import './fs-review-photos.js';

const when = (iso: string): string => new Date(iso).toLocaleString();

/** The actions a reviewer takes, in the order shown. */
const ACTIONS: { state: ReviewState; label: string }[] = [
  { state: 'approved', label: 'Approve' },
  { state: 'has_issues', label: 'Mark has issues' },
  { state: 'rejected', label: 'Reject' },
];

function eventText(e: ReviewEvent): string {
  const change =
    e.from && e.to ? `changed ${REVIEW_STATE_LABEL[e.from]} to ${REVIEW_STATE_LABEL[e.to]}` : 'commented';
  return `${e.by.username} ${change}, ${when(e.at)}`;
}

/**
 * One submission as a reviewer reads it: every answer with its label, the
 * location, each photo with its own geotag, who sent it and when, its
 * history; and the review: approve, send back with a comment, or comment.
 *
 * @fires review-changed - the state changed here; detail: { id, state }.
 */
export class FsReviewDetail extends LitElement {
  static override properties = {
    item: { attribute: false },
    reference: { attribute: false },
    history: { state: true },
    corrections: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare item: ReviewItem | null;
  declare reference: ReferenceData | null;
  declare history: ReviewEvent[] | null;
  /** The corrections field workers sent of this submission, newest first. */
  declare corrections: ReviewItem[];
  declare problem: string;
  declare busy: boolean;

  constructor() {
    super();
    this.item = null;
    this.reference = null;
    this.history = null;
    this.corrections = [];
    this.problem = '';
    this.busy = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('item') && this.item?.submission.id !== changed.get('item')?.submission.id) {
      this.history = null;
      this.corrections = [];
      this.problem = '';
      void this.loadHistory();
    }
  }

  private async loadHistory(): Promise<void> {
    const id = this.item?.submission.id;
    if (!id) return;
    const [outcome, corrections] = await Promise.all([
      reviewHistory(id),
      listForReview({ correctionOf: id }, null),
    ]);
    if (this.item?.submission.id !== id) return;
    if (outcome.kind === 'ok') this.history = outcome.value;
    else this.problem = outcome.message;
    if (corrections.kind === 'ok') this.corrections = corrections.value.items;
  }

  /** Reads the history and the corrections again (another reviewer acted, a correction arrived). */
  refresh(): Promise<void> {
    return this.loadHistory();
  }

  /** Shows another submission here: a correction, or the original it corrects. */
  private async show(id: string): Promise<void> {
    const problem = await selectReviewItem(this, id);
    if (problem) this.problem = problem;
  }

  private comment(): string {
    return this.renderRoot.querySelector<HTMLTextAreaElement>('#comment')?.value.trim() ?? '';
  }

  private async act(state: ReviewState | null): Promise<void> {
    const item = this.item;
    if (!item || this.busy) return;
    const comment = this.comment();
    if ((state === null || RETURNING_STATES.includes(state)) && comment === '') {
      this.problem =
        state === null
          ? 'Write the comment first.'
          : `Say what needs fixing in the comment: it goes back to the field worker with "${REVIEW_STATE_LABEL[state]}".`;
      this.renderRoot.querySelector<HTMLElement>('#comment')?.focus();
      return;
    }
    this.busy = true;
    const outcome = await review(item.submission.id, {
      ...(state ? { state, expectedState: item.reviewState } : {}),
      ...(comment ? { comment } : {}),
    });
    this.busy = false;
    if (outcome.kind !== 'ok') {
      this.problem = outcome.message;
      // Someone else changed it: show what they did.
      if (outcome.kind === 'refused' && outcome.status === 409) await this.loadHistory();
      return;
    }
    this.problem = '';
    const area = this.renderRoot.querySelector<HTMLTextAreaElement>('#comment');
    if (area) area.value = '';
    await this.loadHistory();
    this.dispatchEvent(
      new CustomEvent('review-changed', {
        bubbles: true,
        composed: true,
        detail: { id: item.submission.id, state: outcome.value.state },
      }),
    );
  }

  static override styles = [
    controlStyles,
    statusStyles,
    reviewStateStyles,
    css`
      h2 {
        margin: 0 0 0.25rem;
        font-size: 1.25rem;
        overflow-wrap: anywhere;
      }
      h3 {
        margin: 1.25rem 0 0.5rem;
        font-size: 1.05rem;
      }
      .meta {
        margin: 0.25rem 0;
        color: var(--_muted);
      }
      dl {
        display: grid;
        grid-template-columns: minmax(8rem, 1fr) 2fr;
        gap: 0.35rem 1rem;
        margin: 0;
      }
      dt {
        font-weight: 600;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
        white-space: pre-wrap;
      }
      ol.history {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.5rem;
      }
      ol.history li {
        border-left: 4px solid var(--_border);
        padding-left: 0.6rem;
      }
      blockquote {
        margin: 0.2rem 0 0;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      textarea {
        width: 100%;
        min-height: 5rem;
        box-sizing: border-box;
        font: inherit;
        padding: 0.5rem;
      }
    `,
  ];

  override render() {
    const item = this.item;
    if (!item) return html`<p>Choose a submission to review it.</p>`;
    const s = item.submission;
    const form = formOf(this.reference, s.formId, s.formVersion);
    const fields = (form?.fields ?? []).filter((f) => f.type !== 'note' && s.answers[f.name] !== undefined);
    const unknown = Object.keys(s.answers).filter((k) => !fields.some((f) => f.name === k));
    return html`<h2>${form?.title ?? s.formId}</h2>
      <p>
        <span class="status state-${item.reviewState}">${REVIEW_STATE_LABEL[item.reviewState]}</span>
      </p>
      <p class="meta">
        Sent by ${s.sentBy?.deviceName ?? 'a device not enrolled'}, captured ${when(s.createdAt)}, received
        ${when(s.receipt.receivedAt)}
      </p>
      <p class="meta">
        Captured with app version ${s.appVersion ?? 'not reported'}, form version ${s.formVersion} and
        reference data ${s.referenceVersion ?? 'not reported'}; device ${s.deviceId}
      </p>
      ${
        item.flags.length
          ? html`<section class="flags" aria-label="To look at twice">
              <h3>To look at twice</h3>
              <ul>
                ${item.flags.map((f) => html`<li><strong>${REVIEW_FLAG_LABEL[f.code]}:</strong> ${f.message}</li>`)}
              </ul>
            </section>`
          : nothing
      }
      ${
        s.correctionOf
          ? html`<p class="banner">
              A correction of a submission returned to the field worker.
              <button @click=${() => this.show(s.correctionOf ?? '')}>Open the original</button>
            </p>`
          : nothing
      }
      <h3>Answers</h3>
      <dl>
        ${fields.flatMap((f) => {
          const value = s.answers[f.name];
          return value === undefined
            ? []
            : [
                html`<dt>${f.label}</dt>
                  <dd>${answerText(f, value, this.reference)}</dd>`,
              ];
        })}
        ${unknown.map(
          (k) =>
            html`<dt>${k}</dt>
              <dd>${JSON.stringify(s.answers[k])}</dd>`,
        )}
      </dl>
      ${
        s.location && !fields.some((f) => f.type === 'geopoint')
          ? html`<p class="meta">Location: ${placeText(s.location)}</p>`
          : nothing
      }
      ${
        s.photos.length
          ? html`<h3>Photos</h3>
              <fs-review-photos .photos=${s.photos} .form=${form}></fs-review-photos>`
          : nothing
      }
      <h3>Review</h3>
      <label class="label" for="comment">Comment</label>
      <p class="hint" id="comment-hint">Needed to send it back: say what to fix. The field worker sees it.</p>
      <textarea id="comment" aria-describedby="comment-hint" maxlength="4000"></textarea>
      <div role="alert">${this.problem ? html`<p class="banner error">${this.problem}</p>` : nothing}</div>
      <div class="actions">
        ${ACTIONS.map(
          (a) =>
            html`<button
              class=${a.state === 'approved' ? 'primary' : a.state === 'rejected' ? 'danger' : ''}
              ?disabled=${this.busy || item.reviewState === a.state}
              @click=${() => this.act(a.state)}
            >
              ${a.label}
            </button>`,
        )}
        <button ?disabled=${this.busy} @click=${() => this.act(null)}>Add the comment</button>
      </div>
      ${
        this.corrections.length
          ? html`<h3>Corrections</h3>
              <ul class="corrections" aria-label="Corrections">
                ${this.corrections.map(
                  (c) =>
                    html`<li>
                      Received ${when(c.submission.receipt.receivedAt)},
                      ${REVIEW_STATE_LABEL[c.reviewState].toLowerCase()}
                      <button @click=${() => this.show(c.submission.id)}>Open the correction</button>
                    </li>`,
                )}
              </ul>`
          : nothing
      }
      <h3>History</h3>
      ${
        this.history === null
          ? html`<p>Loading…</p>`
          : this.history.length === 0
            ? html`<p>Not reviewed yet.</p>`
            : html`<ol class="history" aria-label="History">
                ${this.history.map(
                  (e) =>
                    html`<li>
                      ${eventText(e)}${e.comment ? html`<blockquote>${e.comment}</blockquote>` : nothing}
                    </li>`,
                )}
              </ol>`
      }`;
  }
}

customElements.define('fs-review-detail', FsReviewDetail);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review-detail': FsReviewDetail;
  }
}
