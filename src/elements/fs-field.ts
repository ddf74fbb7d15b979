import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { Choice, FieldDef, ReferenceData } from '../../shared/forms.js';
import type { AnswerValue, GeoPoint } from '../../shared/submission.js';
import { choicesFor, isRequired } from '../../shared/validate.js';
import { distanceMetres } from '../../shared/geo.js';
import { formatDistance } from '../../shared/review-flags.js';
import { controlStyles } from '../styles/controls.js';
import { grouped } from '../time-words.js';
import { parseIsLong } from '../core/reference-lists.js';
import { parseSoon } from '../reference/list-parsing.js';
import { DrawLater } from '../draw-later.js';

/** The detail of `answer-change`, fired by every field element. */
export interface AnswerChangeDetail {
  name: string;
  /** undefined: the answer is now empty. */
  value: AnswerValue | undefined;
  /** true when the user has finished with the field (change, blur): time to show its message. */
  commit: boolean;
}

/**
 * Up to this many choices are radio buttons; more get a search box. Ten still
 * fit a phone screen and are quicker to scan than to search.
 */
const RADIO_LIMIT = 10;
/** A list longer than this shows only the first matches, so a huge list stays fast. */
const SHOWN_LIMIT = 100;
/**
 * A long list's first drawing has this many rows, more than its box shows;
 * the rest up to SHOWN_LIMIT follow a task later, so neither task is long on
 * a phone. The box keeps its height: nothing moves.
 */
const FIRST_ROWS = 20;
/** A number as people type it; anything else is kept as text and reported. */
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
/** Longer texts get a textarea. */
const TEXTAREA_FROM = 200;

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * What searching a list needs, worked out once per list rather than once
 * per key, and only when first needed: opening a form with a long list
 * folds no label until the user types.
 */
interface ListIndex {
  /** Each choice's label, folded, at the choice's index. */
  folded?: string[];
  byValue?: Map<string, number>;
}

/** Keyed by the list array itself: a refreshed list is a new array and gets a new index. */
const indexes = new WeakMap<Choice[], ListIndex>();

function listIndex(choices: Choice[]): ListIndex {
  let index = indexes.get(choices);
  if (!index) indexes.set(choices, (index = {}));
  return index;
}

function foldedLabels(choices: Choice[]): string[] {
  const index = listIndex(choices);
  return (index.folded ??= choices.map((c) => fold(c.label)));
}

function positionOf(choices: Choice[], value: string): number | undefined {
  const index = listIndex(choices);
  return (index.byValue ??= new Map(choices.map((c, i) => [c.value, i]))).get(value);
}

/** A list in the order it is shown from one position: nearest first, with each distance. */
interface Ordering {
  near: GeoPoint | null;
  /** Choice indices in display order; null: the list's own order. */
  order: Uint32Array | null;
  /** Metres from near, by choice index (NaN: the choice has no coordinates). */
  distance: Float64Array | null;
}

/**
 * The last ordering of each list. Sorting 20,000 choices by distance takes
 * milliseconds, so it happens when the position changes, never per key.
 */
const orderings = new WeakMap<Choice[], Ordering>();

function orderingFor(choices: Choice[], near: GeoPoint | null): Ordering {
  const cached = orderings.get(choices);
  if (cached && (cached.near === near || (cached.near && near && samePlace(cached.near, near))))
    return cached;
  let ordering: Ordering = { near, order: null, distance: null };
  if (near && choices.some((c) => typeof c.lat === 'number' && typeof c.lon === 'number')) {
    const distance = new Float64Array(choices.length);
    choices.forEach((c, i) => {
      distance[i] =
        typeof c.lat === 'number' && typeof c.lon === 'number'
          ? distanceMetres(near, { lat: c.lat, lon: c.lon })
          : NaN;
    });
    const key = (i: number) => (Number.isNaN(distance[i]) ? Infinity : (distance[i] as number));
    // Stable: equally far choices (and all without coordinates) keep the list's order.
    const order = Uint32Array.from(choices.keys()).sort((a, b) => key(a) - key(b) || a - b);
    ordering = { near, order, distance };
  }
  orderings.set(choices, ordering);
  return ordering;
}

function samePlace(a: GeoPoint, b: GeoPoint): boolean {
  return a.lat === b.lat && a.lon === b.lon;
}

/** The matches of one search, kept so the next key can narrow them instead of starting over. */
interface Search {
  choices: Choice[];
  ordering: Ordering;
  words: string[];
  /** Indices of matching choices, in display order. */
  matches: Uint32Array;
}

function search(choices: Choice[], ordering: Ordering, filter: string, previous: Search | null): Search {
  const words = fold(filter).split(/\s+/).filter(Boolean);
  // A label that has every new word has every old word when each old word is inside a new one:
  // then only the previous matches need a look (typing on narrows; deleting starts over).
  const narrows =
    previous !== null &&
    previous.choices === choices &&
    previous.ordering === ordering &&
    previous.words.every((o) => words.some((w) => w.includes(o)));
  const candidates = narrows ? previous.matches : (ordering.order ?? Uint32Array.from(choices.keys()));
  if (words.length === 0) return { choices, ordering, words, matches: candidates };
  const folded = foldedLabels(choices);
  const out = new Uint32Array(candidates.length);
  let n = 0;
  for (const i of candidates) {
    const label = folded[i] as string;
    if (words.every((w) => label.includes(w))) out[n++] = i;
  }
  return { choices, ordering, words, matches: out.subarray(0, n) };
}

/**
 * One question of a form, with its label, hint, required marker and message
 * in the same shadow root as its input: text, integer, decimal, date,
 * select_one, select_multiple and note. What the user types is never thrown
 * away: a number field that does not hold a number yet answers with the text,
 * which validation reports as "Enter a number".
 *
 * @fires answer-change - AnswerChangeDetail, on every edit; `commit` on change and blur.
 */
export class FsField extends LitElement {
  static override properties = {
    field: { attribute: false },
    value: { attribute: false },
    lists: { attribute: false },
    message: { attribute: false },
    near: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    text: { state: true },
    filter: { state: true },
  };

  declare field: FieldDef | null;
  declare value: AnswerValue | undefined;
  declare lists: ReferenceData['lists'];
  /** The validation message to show, or null. */
  declare message: string | null;
  /** Where the user is: choices with coordinates are listed nearest first. */
  declare near: GeoPoint | null;
  declare disabled: boolean;
  /** What the text-like input holds, which may not be a valid answer yet. */
  declare private text: string;
  declare private filter: string;
  /** The last search and the filter it was for: re-renders for other reasons reuse it. */
  private searched: Search | null = null;
  private searchedFor = '';
  /** Rows a long list may draw: FIRST_ROWS until its first drawing is on screen. */
  private rowLimit = FIRST_ROWS;
  /** Whether the last drawing left out rows that rowLimit cut. */
  private rowsCut = false;
  private readonly drawLater = new DrawLater(this);

  constructor() {
    super();
    this.field = null;
    this.value = undefined;
    this.lists = {};
    this.message = null;
    this.near = null;
    this.disabled = false;
    this.text = '';
    this.filter = '';
  }

  /** Focuses the field's input: the chosen radio button, else the first control. */
  override focus(options?: FocusOptions): void {
    const root = this.renderRoot;
    const target =
      root.querySelector<HTMLElement>('input:checked') ??
      root.querySelector<HTMLElement>('input, textarea, select');
    target?.focus(options);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Take a new value from outside, but never overwrite what the user is typing with its parse.
    if ((changed.has('value') || changed.has('field')) && this.parse(this.text) !== this.value) {
      this.text = typeof this.value === 'string' || typeof this.value === 'number' ? String(this.value) : '';
    }
  }

  private parse(text: string): AnswerValue | undefined {
    const type = this.field?.type;
    if (text.trim() === '') return undefined;
    if (type === 'integer' || type === 'decimal') {
      const t = text.trim();
      return NUMBER_RE.test(t) ? Number(t) : text;
    }
    return text;
  }

  private emit(value: AnswerValue | undefined, commit: boolean): void {
    if (!this.field) return;
    const detail: AnswerChangeDetail = { name: this.field.name, value, commit };
    this.dispatchEvent(new CustomEvent('answer-change', { detail, bubbles: true, composed: true }));
  }

  private onTextInput(e: Event): void {
    this.text = (e.target as HTMLInputElement | HTMLTextAreaElement).value;
    this.value = this.parse(this.text);
    this.emit(this.value, false);
  }

  private onTextCommit(): void {
    this.emit(this.parse(this.text), true);
  }

  /** Leaving a group of radios or checkboxes, not moving within it, is the end of an edit. */
  private onGroupFocusOut(e: FocusEvent): void {
    const next = e.relatedTarget as Node | null;
    if (next && this.renderRoot.contains(next)) return;
    this.emit(this.value, true);
  }

  private onPick(e: Event): void {
    this.value = (e.target as HTMLInputElement).value;
    this.emit(this.value, true);
  }

  private onToggle(e: Event, choices: Choice[]): void {
    const input = e.target as HTMLInputElement;
    const before = Array.isArray(this.value) ? this.value : [];
    const known = new Set(choices.map((c) => c.value));
    // Keep the choices' order, and values a changed list no longer has (validation reports them).
    const next = [
      ...choices.map((c) => c.value).filter((v) => (v === input.value ? input.checked : before.includes(v))),
      ...before.filter((v) => !known.has(v)),
    ];
    this.value = next.length ? next : undefined;
    this.emit(this.value, true);
  }

  private describedBy(...ids: (string | false | undefined)[]): string | typeof nothing {
    const all = [this.field?.hint && 'hint', ...ids, this.message && 'message'].filter(Boolean);
    return all.length ? all.join(' ') : nothing;
  }

  private renderLabel(forId: string | null): TemplateResult {
    const f = this.field as FieldDef;
    const marker = isRequired(f) ? html`<span class="req" aria-hidden="true">*</span>` : nothing;
    return forId === null
      ? html`<legend>${f.label}${marker}</legend>`
      : html`<label class="label" for=${forId}>${f.label}${marker}</label>`;
  }

  private renderHintAndMessage(): TemplateResult {
    const f = this.field as FieldDef;
    return html`${f.hint ? html`<p id="hint" class="hint">${f.hint}</p>` : nothing}
      <p id="message" class="message" aria-live="polite">${this.message ?? nothing}</p>`;
  }

  override render() {
    this.rowsCut = false;
    const f = this.field;
    if (!f) return nothing;
    switch (f.type) {
      case 'text':
        return this.renderText(f);
      case 'integer':
      case 'decimal':
        return this.renderNumber(f);
      case 'date':
        return this.renderDate(f);
      case 'select_one': {
        // A long list is parsed in a task of its own: the form is drawn first, the list a moment later.
        if (f.choiceList && parseIsLong(this.lists, f.choiceList)) return this.renderSearchable(null);
        const choices = choicesFor(f, this.lists);
        return choices.length > RADIO_LIMIT ? this.renderSearchable(choices) : this.renderRadios(choices);
      }
      case 'select_multiple':
        return this.renderCheckboxes(choicesFor(f, this.lists));
      case 'note':
        return html`<div class="note">
          <p>${f.label}</p>
          ${f.hint ? html`<p class="hint">${f.hint}</p>` : nothing}
        </div>`;
      default:
        // Location and photo questions have their own elements.
        return html`<p class="message">This app cannot show a “${f.type}” question here.</p>`;
    }
  }

  private renderText(f: FieldDef) {
    const max = f.maxLength?.value;
    const length = [...this.text].length;
    const common = {
      invalid: this.message ? 'true' : 'false',
      describedBy: this.describedBy(max !== undefined && 'count'),
    };
    const control =
      max !== undefined && max > TEXTAREA_FROM
        ? html`<textarea
            id="control"
            rows="5"
            .value=${this.text}
            ?disabled=${this.disabled}
            ?required=${isRequired(f)}
            aria-invalid=${common.invalid}
            aria-describedby=${common.describedBy}
            @input=${this.onTextInput}
            @blur=${this.onTextCommit}
          ></textarea>`
        : html`<input
            id="control"
            type="text"
            .value=${this.text}
            ?disabled=${this.disabled}
            ?required=${isRequired(f)}
            aria-invalid=${common.invalid}
            aria-describedby=${common.describedBy}
            @input=${this.onTextInput}
            @blur=${this.onTextCommit}
          />`;
    return html`${this.renderLabel('control')}${this.renderHintAndMessage()}${control}
    ${
      max === undefined
        ? nothing
        : html`<p id="count" class="count ${length > max ? 'over' : ''}">
            ${
              length > max
                ? `${length - max} ${length - max === 1 ? 'character' : 'characters'} too many (${length} of ${max})`
                : `${length} of ${max} characters`
            }
          </p>`
    }`;
  }

  private renderNumber(f: FieldDef) {
    const min = f.min?.value;
    // iPhone number keypads have no minus key: offer the full keyboard when negatives are allowed.
    const negativesAllowed = typeof min !== 'number' || min < 0;
    const inputmode = negativesAllowed ? 'text' : f.type === 'integer' ? 'numeric' : 'decimal';
    return html`${this.renderLabel('control')}${this.renderHintAndMessage()}
      <div class="with-unit">
        <input
          id="control"
          type="text"
          inputmode=${inputmode}
          autocomplete="off"
          spellcheck="false"
          .value=${this.text}
          ?disabled=${this.disabled}
          ?required=${isRequired(f)}
          aria-invalid=${this.message ? 'true' : 'false'}
          aria-describedby=${this.describedBy(f.unit && 'unit')}
          @input=${this.onTextInput}
          @blur=${this.onTextCommit}
        />
        ${f.unit ? html`<span id="unit" class="unit">${f.unit}</span>` : nothing}
      </div>`;
  }

  private renderDate(f: FieldDef) {
    const min = f.min?.value;
    const max = f.max?.value;
    return html`${this.renderLabel('control')}${this.renderHintAndMessage()}
      <input
        id="control"
        type="date"
        min=${typeof min === 'string' ? min : nothing}
        max=${typeof max === 'string' ? max : nothing}
        .value=${this.text}
        ?disabled=${this.disabled}
        ?required=${isRequired(f)}
        aria-invalid=${this.message ? 'true' : 'false'}
        aria-describedby=${this.describedBy()}
        @input=${this.onTextInput}
        @change=${this.onTextCommit}
        @blur=${this.onTextCommit}
      />`;
  }

  private renderChoice(
    type: 'radio' | 'checkbox',
    c: Choice,
    checked: boolean,
    onChange: (e: Event) => void,
    extra?: string,
  ) {
    return html`<label class="choice">
      <input
        type=${type}
        name="choice"
        .value=${c.value}
        .checked=${live(checked)}
        ?disabled=${this.disabled}
        @change=${onChange}
      />
      <span>${c.label}</span>${extra ? html`<span class="dist">${extra}</span>` : nothing}
    </label>`;
  }

  private renderRadios(choices: Choice[]) {
    const f = this.field as FieldDef;
    return html`<fieldset
      role="radiogroup"
      aria-required=${isRequired(f) ? 'true' : 'false'}
      aria-invalid=${this.message ? 'true' : 'false'}
      aria-describedby=${this.describedBy()}
      @focusout=${this.onGroupFocusOut}
    >
      ${this.renderLabel(null)}${this.renderHintAndMessage()}
      <div class="choices">
        ${choices.map((c) => this.renderChoice('radio', c, this.value === c.value, (e) => this.onPick(e)))}
      </div>
    </fieldset>`;
  }

  /** The matches shown for the current search, the list and the position. */
  private matchesFor(choices: Choice[]): Search {
    const ordering = orderingFor(choices, this.near);
    const last = this.searched;
    if (!last || last.choices !== choices || last.ordering !== ordering || this.searchedFor !== this.filter) {
      this.searched = search(choices, ordering, this.filter, last);
      this.searchedFor = this.filter;
    }
    return this.searched as Search;
  }

  private onFilterInput(e: Event): void {
    this.filter = (e.target as HTMLInputElement).value;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const list = this.field?.choiceList;
    if (list && parseIsLong(this.lists, list))
      void parseSoon(this.lists, list).then(() => this.requestUpdate());
    if (this.rowsCut) this.drawLater.schedule(() => (this.rowLimit = SHOWN_LIMIT));
    // New matches start at the top of the box, not wherever the last ones were scrolled to.
    // Not on the first render, when setting scrollTop would force a layout of the whole list.
    if (changed.has('filter' as keyof FsField) && changed.get('filter' as keyof FsField) !== undefined) {
      const list = this.renderRoot.querySelector('#list');
      if (list) list.scrollTop = 0;
    }
  }

  /** Resolves once a long list's rows are all drawn, not just the first. */
  protected override getUpdateComplete(): Promise<boolean> {
    return this.drawLater.settled(() => super.getUpdateComplete());
  }

  /**
   * A long list: a search box over at most SHOWN_LIMIT radio buttons, nearest
   * first when the position is known. Filtering uses labels folded once per
   * list and narrows the previous matches as the user types on; the radio
   * buttons are reused by position, so a key changes text, not DOM structure.
   * The chosen choice stays on screen (first) while the search hides it.
   * Null choices: the list is still to be parsed, and its box keeps its place.
   */
  private renderSearchable(list: Choice[] | null) {
    const loading = list === null;
    const choices = list ?? [];
    const { matches } = loading ? { matches: new Uint32Array(0) } : this.matchesFor(choices);
    const { distance } = loading ? { distance: undefined } : orderingFor(choices, this.near);
    const selected = typeof this.value === 'string' ? this.value : undefined;
    const selectedAt = selected === undefined || loading ? undefined : positionOf(choices, selected);
    let shown = matches.subarray(0, SHOWN_LIMIT);
    const pinned = selectedAt !== undefined && !shown.includes(selectedAt) ? selectedAt : undefined;
    if (pinned !== undefined) shown = shown.subarray(0, SHOWN_LIMIT - 1);
    const drawn = shown.subarray(0, this.rowLimit - (pinned === undefined ? 0 : 1));
    this.rowsCut = drawn.length < shown.length;
    const query = this.filter.trim();
    const count = matches.length;
    const choiceAt = (i: number) => {
      const d = distance?.[i];
      return this.renderChoice(
        'radio',
        choices[i] as Choice,
        selectedAt === i,
        (e) => this.onPick(e),
        d === undefined || Number.isNaN(d) ? undefined : formatDistance(d),
      );
    };
    return html`<fieldset
      aria-invalid=${this.message ? 'true' : 'false'}
      aria-describedby=${this.describedBy('selected')}
      @focusout=${this.onGroupFocusOut}
    >
      ${this.renderLabel(null)}${this.renderHintAndMessage()}
      <p id="selected" class="selected">
        ${
          selected === undefined
            ? 'Nothing chosen yet.'
            : loading
              ? 'Chosen: …'
              : html`Chosen:
                  <strong
                    >${selectedAt === undefined ? `${selected} (no longer in the list)` : choices[selectedAt]?.label}</strong
                  >`
        }
      </p>
      <label class="sub" for="filter">Search the list</label>
      <input
        id="filter"
        type="search"
        autocomplete="off"
        autocapitalize="off"
        spellcheck="false"
        enterkeyhint="search"
        .value=${live(this.filter)}
        ?disabled=${this.disabled || loading}
        aria-controls="list"
        aria-describedby="matches"
        @input=${this.onFilterInput}
      />
      <p id="matches" class="count" role="status" aria-live="polite" aria-atomic="true">
        ${
          loading
            ? 'Loading the list…'
            : count === 0
              ? `No match for “${query}”.`
              : count > shown.length
                ? `${grouped(count)} ${count === 1 ? 'match' : 'matches'}, first ${shown.length} shown: type more to narrow the list.`
                : query
                  ? `${grouped(count)} ${count === 1 ? 'match' : 'matches'}.`
                  : this.near && distance
                    ? 'Nearest first.'
                    : nothing
        }
      </p>
      <div id="list" class="choices scroll ${loading ? 'loading' : ''}">
        ${pinned === undefined ? nothing : choiceAt(pinned)} ${Array.from(drawn, choiceAt)}
      </div>
    </fieldset>`;
  }

  private renderCheckboxes(choices: Choice[]) {
    const chosen = Array.isArray(this.value) ? this.value : [];
    return html`<fieldset
      aria-invalid=${this.message ? 'true' : 'false'}
      aria-describedby=${this.describedBy()}
      @focusout=${this.onGroupFocusOut}
    >
      ${this.renderLabel(null)}${this.renderHintAndMessage()}
      <div class="choices">
        ${choices.map((c) =>
          this.renderChoice('checkbox', c, chosen.includes(c.value), (e) => this.onToggle(e, choices)),
        )}
      </div>
    </fieldset>`;
  }

  static override styles = [
    controlStyles,
    css`
      .choices {
        display: grid;
        gap: 0.35rem;
      }
      .choice {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        min-height: var(--_target);
        padding: 0.35rem 0.6rem;
        border: 2px solid var(--_border);
        border-radius: 0.35rem;
        background: var(--_surface);
        cursor: pointer;
      }
      .choice:has(input:checked) {
        border-color: var(--_brand);
        box-shadow: inset 4px 0 0 var(--_brand);
      }
      .choice input {
        flex: none;
        width: 1.4rem;
        height: 1.4rem;
        margin: 0;
        accent-color: var(--_brand);
      }
      .choice:has(input:disabled) {
        cursor: not-allowed;
        opacity: 0.6;
      }
      .dist {
        margin-left: auto;
        color: var(--_muted);
        font-size: 0.9rem;
        white-space: nowrap;
      }
      .choice span:first-of-type {
        min-width: 0;
        overflow-wrap: anywhere;
      }
      /* Bounded and scrolled on its own, so a long list never pushes the rest of the form away. */
      .scroll.loading {
        height: min(19rem, 60vh);
      }
      .scroll {
        max-height: min(19rem, 60vh);
        overflow-y: auto;
        overscroll-behavior: contain;
        padding: 2px;
        margin-top: 0.35rem;
        border-top: 1px solid var(--_border);
        border-bottom: 1px solid var(--_border);
      }
      .sub {
        display: block;
        margin: 0.25rem 0;
        font-weight: 600;
      }
      .selected {
        margin: 0 0 0.25rem;
      }
      .with-unit {
        display: flex;
        align-items: center;
        gap: 0.5rem;
      }
      .with-unit input {
        flex: 1 1 auto;
        max-width: 16rem;
      }
      .unit {
        font-weight: 600;
      }
      .count {
        margin: 0.25rem 0 0;
        color: var(--_muted);
        font-size: 0.95rem;
      }
      .count:empty {
        display: none;
      }
      /* Room for its longest message ("…, first 100 shown: type more…") on a phone, so the list does not move when it arrives. */
      #matches {
        display: block;
        line-height: 1.3;
        min-height: 2.6em;
      }
      .count.over {
        color: var(--_danger);
        font-weight: 700;
      }
      .note {
        padding: 0.5rem 0.75rem;
        border-left: 6px solid var(--_brand);
        background: var(--_surface);
      }
      .note p {
        margin: 0.25rem 0;
      }
    `,
  ];
}

customElements.define('fs-field', FsField);

declare global {
  interface HTMLElementTagNameMap {
    'fs-field': FsField;
  }
}
