/**
 * One row of the review table: a box to select it, and the button that
 * shows it in full (form, key answers with their labels, state, device,
 * capture time, photos). A template and its styles, drawn by the table's
 * virtualiser for the rows in view only.
 */
import { css, html, nothing } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import { REVIEW_FLAG_LABEL } from '../../shared/review-flags.js';
import { REVIEW_STATE_LABEL, type ReviewItem } from '../../shared/review.js';
import { answerText, formOf, keyFields } from './answer-text.js';

export interface RowState {
  current: boolean;
  selected: boolean;
  /** Arrived live since the filter was set. */
  fresh: boolean;
}

export interface RowActions {
  open(item: ReviewItem): void;
  select(item: ReviewItem, selected: boolean): void;
}

export function reviewRow(i: ReviewItem, reference: ReferenceData | null, state: RowState, on: RowActions) {
  const s = i.submission;
  const form = formOf(reference, s.formId, s.formVersion);
  const title = form?.title ?? s.formId;
  const captured = new Date(s.createdAt).toLocaleString();
  const answers = keyFields(form)
    .flatMap((field) => {
      const value = s.answers[field.name];
      return value === undefined ? [] : [answerText(field, value, reference)];
    })
    .join(' · ');
  return html`<div role="listitem" class="item">
    <label class="pick">
      <input
        type="checkbox"
        aria-label="Select ${title} captured ${captured}"
        .checked=${state.selected}
        @change=${(e: Event) => on.select(i, (e.target as HTMLInputElement).checked)}
      />
    </label>
    <button class="row" aria-current=${state.current ? 'true' : 'false'} @click=${() => on.open(i)}>
      <span class="top">
        <span>${title} ${state.fresh ? html`<span class="new">New</span>` : nothing}</span>
        <span class="status state-${i.reviewState}">${REVIEW_STATE_LABEL[i.reviewState]}</span>
      </span>
      <span class="answers">${answers}</span>
      ${
        i.flags.length
          ? html`<span class="flags"
              >${i.flags.map((f) => html`<span class="flag">${REVIEW_FLAG_LABEL[f.code]}</span>`)}</span
            >`
          : nothing
      }
      <span class="when"
        >${`${s.sentBy?.deviceName ?? 'Not enrolled'} · captured ${captured} · ${s.photos.length} photo${s.photos.length === 1 ? '' : 's'}`}</span
      >
    </button>
  </div>`;
}

export const reviewRowStyles = css`
  .item {
    display: flex;
    width: 100%;
    border-bottom: 1px solid var(--_border);
  }
  .pick {
    flex: 0 0 var(--_target);
    display: flex;
    align-items: center;
    justify-content: center;
    min-height: var(--_target);
    cursor: pointer;
  }
  .pick input {
    width: 1.25rem;
    height: 1.25rem;
  }
  .row {
    display: block;
    flex: 1;
    min-width: 0;
    text-align: start;
    min-height: var(--_target);
    padding: 0.6rem 0.75rem 0.6rem 0.25rem;
    border: 0;
    background: none;
    font: inherit;
    color: inherit;
    cursor: pointer;
  }
  .row[aria-current='true'] {
    background: #e6f0f1;
    box-shadow: inset 4px 0 0 var(--_brand);
  }
  .row .top {
    display: flex;
    justify-content: space-between;
    gap: 0.5rem;
    font-weight: 600;
  }
  .row .answers,
  .row .when {
    display: block;
    color: var(--_muted);
    font-size: 0.95rem;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .flags {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
    margin: 0.15rem 0;
  }
  .flag {
    font-size: 0.8rem;
    padding: 0 0.4rem;
    border-radius: 0.3rem;
    background: var(--_warn-bg);
    color: var(--_warn-fg);
    border: 1px solid currentColor;
  }
  .new {
    font-size: 0.8rem;
    padding: 0 0.4rem;
    border-radius: 0.3rem;
    background: var(--_brand);
    color: #fff;
  }
`;
