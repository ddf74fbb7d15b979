import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { FieldDef, FormDef, ReferenceData } from '../../shared/forms.js';
import type { Draft } from '../../shared/outbox.js';
import type { Answers, ApiError, GeoPoint, SubmissionPayload } from '../../shared/submission.js';
import { isEmpty, isGeoPoint, validateAnswers, validateField } from '../../shared/validate.js';
import { getDraft } from '../core/drafts.js';
import { getPhoto } from '../core/photos.js';
import { startableVersion } from '../core/form-versions.js';
import { getStoredReference } from '../core/reference.js';
import { getDeviceId } from '../core/settings.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { feedbackOf, type Feedback } from '../core/feedback.js';
import { getSubmission, saveSubmission } from '../core/submissions.js';
import { forgetPhotos } from '../core/housekeeping.js';
import { distanceMetres } from '../../shared/geo.js';
import { controlStyles } from '../styles/controls.js';
import { formViewStyles } from '../styles/form-view.js';
import {
  correctionNotice,
  keptAnswers,
  returnedNotice,
  troubleNotice,
  versionNotice,
} from '../forms/form-notices.js';
import type { AnswerChangeDetail } from './fs-field.js';
import './fs-field.js';
import './fs-location-field.js';
import './fs-photo-field.js';
import { APP_VERSION } from '../core/api-request.js';
import { buildSubmission } from '../forms/build-submission.js';
import { DraftController } from '../forms/draft-controller.js';
import { clockTime } from '../time-words.js';
import { DrawLater } from '../draw-later.js';
/** Choices are re-sorted by distance only when the device moved this far, so the list stays still. */
const RESORT_AFTER_M = 50;

type Trouble = 'no-form' | 'no-draft' | 'no-version' | 'withdrawn';

/**
 * A draft's form is drawn a few questions a task: about a phone screen's
 * worth first, then as many more each task until the buttons below them, so
 * opening a long form is several short tasks on a cheap phone, not one long
 * one. Only content below what is drawn is added: nothing on screen moves.
 */
const FIELDS_PER_TASK = 3;

/**
 * A form being filled in: a new one (`form-id`, newest version not withdrawn)
 * or a draft (`draft-id`), which stays on the version it was started on even
 * when a newer one arrives, and says so. Every edit is kept in the draft store, so a reload, a crash or
 * a closed tab loses nothing. Save validates everything, builds the
 * submission and queues it in the outbox.
 *
 * @fires fs-navigate - `{ path, replace? }`: a new form's draft exists (replace), or the user left.
 * @fires submission-saved - `{ id }`: the submission is in the outbox and the draft is gone.
 * @fires draft-saved - `{ id }`: the latest edits are stored on the device.
 */
export class FsFormView extends LitElement {
  static override properties = {
    reference: { attribute: false },
    stores: { attribute: false },
    formId: { attribute: 'form-id' },
    kiosk: { type: Boolean, reflect: true },
    draftId: { attribute: 'draft-id' },
    touched: { state: true },
    attempted: { state: true },
    summary: { state: true },
    trouble: { state: true },
    rejection: { state: true },
    returned: { state: true },
    edited: { state: true },
    saving: { state: true },
    saved: { state: true },
    saveError: { state: true },
    deviceFix: { state: true },
    near: { state: true },
  };

  declare reference: ReferenceData | null;
  declare stores: Stores;
  declare formId: string | null;
  /**
   * On a shared tablet: nothing is kept as a draft (the answers live in
   * memory and go with the person), there is no way to other screens, and
   * the targets are larger. Discarding asks the kiosk for a fresh form.
   */
  declare kiosk: boolean;
  declare draftId: string | null;
  /** Fields the user has finished with at least once: only those show their message. */
  declare private touched: ReadonlySet<string>;
  /** Save was pressed: every message shows. */
  declare private attempted: boolean;
  /** The problems found by the last Save, for the count beside the button. */
  declare private summary: string | null;
  declare private trouble: Trouble | null;
  /** The server's refusal, when this draft corrects a rejected submission. */
  declare private rejection: ApiError | null;
  /** What the reviewer said when returning the submission this draft corrects. */
  declare private returned: Feedback | null;
  /** Fields changed since loading: the server's message about them no longer applies. */
  declare private edited: ReadonlySet<string>;
  declare private saving: boolean;
  declare private saved: boolean;
  declare private saveError: string | null;
  declare private deviceFix: GeoPoint | null;
  declare private near: GeoPoint | null;

  /** How many of a draft's questions are drawn; another draft starts at FIELDS_PER_TASK. */
  private drawn: { draftId: string; fields: number } | null = null;
  private readonly drawLater = new DrawLater(this);
  private loadedKey = '';
  private loadedStores: Stores | null = null;
  private readonly drafting = new DraftController(this, {
    onStored: (draft) =>
      this.dispatchEvent(
        new CustomEvent('draft-saved', { detail: { id: draft.id }, bubbles: true, composed: true }),
      ),
    onFirstStored: (draft) => this.navigate(`/drafts/${draft.id}`, true),
  });

  private get draft(): Draft | null {
    return this.drafting.draft;
  }

  private get answers(): Answers {
    return this.drafting.answers;
  }

  constructor() {
    super();
    this.reference = null;
    this.stores = defaultStores;
    this.formId = null;
    this.kiosk = false;
    this.draftId = null;
    this.touched = new Set();
    this.attempted = false;
    this.summary = null;
    this.trouble = null;
    this.rejection = null;
    this.returned = null;
    this.edited = new Set();
    this.saving = false;
    this.saved = false;
    this.saveError = null;
    this.deviceFix = null;
    this.near = null;
  }

  /** The definition the draft was started on, if the device still has it. */
  private get form(): FormDef | undefined {
    const d = this.draft;
    if (!d || !this.reference) return undefined;
    return this.reference.forms.find((f) => f.id === d.formId && f.version === d.formVersion);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('kiosk')) this.drafting.persist = !this.kiosk;
    if (
      changed.has('reference') ||
      changed.has('draftId') ||
      changed.has('formId') ||
      changed.has('stores')
    ) {
      this.maybeLoad();
    }
  }

  /** How many questions of this draft's form are drawn. */
  private drawnFields(draft: Draft): number {
    return this.drawn?.draftId === draft.id ? this.drawn.fields : FIELDS_PER_TASK;
  }

  protected override updated(): void {
    const draft = this.draft;
    const total = this.form?.fields.length;
    if (!draft || total === undefined) return;
    const fields = this.drawnFields(draft);
    if (fields < total)
      this.drawLater.schedule(() => (this.drawn = { draftId: draft.id, fields: fields + FIELDS_PER_TASK }));
  }

  /** Resolves once the form is drawn whole, not just its first questions. */
  protected override getUpdateComplete(): Promise<boolean> {
    return this.drawLater.settled(() => super.getUpdateComplete());
  }

  private maybeLoad(): void {
    if (!this.reference) return;
    // The draft this element created is now at its own address: keep editing it.
    if (this.draft && this.draftId === this.draft.id && this.stores === this.loadedStores) {
      this.drafting.keptAtOwnAddress();
      return;
    }
    const key = this.draftId ? `draft:${this.draftId}` : this.formId ? `form:${this.formId}` : '';
    if (key === this.loadedKey && this.stores === this.loadedStores) return;
    this.loadedKey = key;
    this.loadedStores = this.stores;
    void this.load(key, this.stores);
  }

  private async load(key: string, stores: Stores): Promise<void> {
    // The element may be reused for another draft: the last one's pending edits are written first.
    this.reset();
    const stale = () => key !== this.loadedKey || stores !== this.stores;
    if (this.draftId) {
      const draft = await getDraft(this.draftId, stores);
      if (stale()) return;
      if (!draft) {
        this.trouble = 'no-draft';
        return;
      }
      await this.adopt(draft, true, stores);
      if (draft.correcting) {
        const sub = await getSubmission(draft.id, stores);
        if (stale()) return;
        this.rejection = sub?.rejection ?? null;
      }
      if (draft.correctionOf) {
        const heard = (await feedbackOf([draft.correctionOf], stores)).get(draft.correctionOf);
        if (stale()) return;
        this.returned = heard ?? null;
      }
    } else if (this.formId && this.reference) {
      const id = this.formId;
      const newest = startableVersion(this.reference, id);
      if (!newest) {
        this.trouble = this.reference.forms.some((f) => f.id === id) ? 'withdrawn' : 'no-form';
        return;
      }
      const draft: Draft = {
        schema: 1,
        id: crypto.randomUUID(),
        formId: newest.id,
        formVersion: newest.version,
        answers: {},
        updatedAt: new Date().toISOString(),
        correcting: false,
      };
      await this.adopt(draft, false, stores);
    }
  }

  private reset(): void {
    this.drafting.reset();
    this.touched = new Set();
    this.edited = new Set();
    this.attempted = false;
    this.summary = null;
    this.trouble = null;
    this.rejection = null;
    this.returned = null;
    this.saved = false;
    this.saveError = null;
  }

  private async adopt(draft: Draft, stored: boolean, stores: Stores): Promise<void> {
    // Answers from an earlier visit were finished with then: show what is wrong with them.
    this.touched = new Set(Object.keys(draft.answers));
    const firstPoint = Object.values(draft.answers).find(isGeoPoint);
    if (firstPoint) this.near = firstPoint;
    await this.drafting.adopt(draft, stored, stores);
  }

  /** Writes pending edits now. Resolves when every write so far is done; never rejects. */
  flush(): Promise<void> {
    return this.drafting.flush();
  }

  private navigate(path: string, replace = false): void {
    this.dispatchEvent(
      new CustomEvent('fs-navigate', { detail: { path, replace }, bubbles: true, composed: true }),
    );
  }

  private onAnswerChange(e: CustomEvent<AnswerChangeDetail>): void {
    const { name, value, commit } = e.detail;
    if (!this.draft || this.drafting.isClosed || this.saving) return;
    if (this.drafting.set(name, value)) {
      if (!this.edited.has(name)) this.edited = new Set([...this.edited, name]);
      this.saveError = null;
    }
    if (commit && !this.touched.has(name)) this.touched = new Set([...this.touched, name]);
    if (isGeoPoint(value)) this.onFix(value);
    if (this.summary && this.form && validateAnswers(this.form, this.answers, this.lists).length === 0) {
      this.summary = null;
    }
  }

  private onFix(point: GeoPoint): void {
    if (!this.deviceFix || Date.parse(point.time) >= Date.parse(this.deviceFix.time)) this.deviceFix = point;
    if (!this.near || distanceMetres(this.near, point) > RESORT_AFTER_M) this.near = point;
  }

  private get lists(): ReferenceData['lists'] {
    return this.reference?.lists ?? {};
  }

  /** The server's words about each field, while the user has not changed it. */
  private serverMessages(): Map<string, string> {
    const out = new Map<string, string>();
    const r = this.rejection;
    if (!r) return out;
    for (const p of r.problems ?? []) if (!out.has(p.field)) out.set(p.field, p.message);
    if (r.field && !out.has(r.field)) out.set(r.field, r.message);
    return out;
  }

  private messageFor(f: FieldDef, server: Map<string, string>): string | null {
    const local =
      this.attempted || this.touched.has(f.name) ? validateField(f, this.answers[f.name], this.lists) : null;
    if (local) return local;
    return this.edited.has(f.name) ? null : (server.get(f.name) ?? null);
  }

  private async save(): Promise<void> {
    const form = this.form;
    const draft = this.draft;
    if (!form || !draft || this.saving || this.drafting.isClosed) return;
    this.saveError = null;
    // An answer still on its way would be left out of the submission.
    const busy = this.renderRoot.querySelector<HTMLElement>('[data-field][busy]');
    if (busy) {
      this.saveError =
        busy.localName === 'fs-photo-field'
          ? 'Photos are still being prepared. Save again when they are shown.'
          : 'A location is still being recorded. Use it or cancel it, then save.';
      busy.focus();
      return;
    }
    const problems = validateAnswers(form, this.answers, this.lists);
    if (problems.length) {
      this.attempted = true;
      this.summary =
        problems.length === 1
          ? 'There is 1 problem. Fix it, then save again.'
          : `There are ${problems.length} problems. Fix them, then save again.`;
      await this.updateComplete;
      const names = new Set(form.fields.map((f) => f.name));
      const first = problems.find((p) => names.has(p.field));
      const el = first && this.renderRoot.querySelector<HTMLElement>(`[data-field="${first.field}"]`);
      if (el) {
        el.scrollIntoView({ block: 'start' });
        el.focus({ preventScroll: true });
      }
      return;
    }
    this.saving = true;
    // Saving deletes the draft: no draft write may land after that.
    await this.drafting.settle();
    try {
      const payload = await this.build(form, draft, this.answers);
      await saveSubmission(payload, this.stores);
      await this.drafting.close();
      this.saved = true;
      this.dispatchEvent(
        new CustomEvent('submission-saved', { detail: { id: payload.id }, bubbles: true, composed: true }),
      );
    } catch (e) {
      // StorageFullError and MissingPhotoError speak to the user; the draft is kept.
      this.saveError = e instanceof Error ? e.message : String(e);
      this.drafting.resume();
    } finally {
      this.saving = false;
    }
  }

  private dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  private async discard(): Promise<void> {
    this.dialog()?.close();
    await this.abandon();
    this.navigate('/', true);
  }

  /**
   * Saves what was answered, and is valid, as an unfinished submission (a
   * kiosk's form left half-filled, on a form whose whenAbandoned is
   * "save"); resolves to false when nothing was answered, and nothing is
   * saved. Fires submission-saved with detail { id, unfinished: true }.
   */
  async saveUnfinished(): Promise<boolean> {
    const form = this.form;
    const draft = this.draft;
    if (!form || !draft || this.drafting.isClosed || this.saving) return false;
    const kept: Answers = {};
    for (const f of form.fields) {
      const v = this.answers[f.name];
      if (v !== undefined && !isEmpty(v) && validateField(f, v, this.lists, true) === null) kept[f.name] = v;
    }
    if (Object.keys(kept).length === 0) return false;
    await this.drafting.settle();
    const payload: SubmissionPayload = { ...(await this.build(form, draft, kept)), unfinished: true };
    await saveSubmission(payload, this.stores);
    await this.drafting.close();
    this.dispatchEvent(
      new CustomEvent('submission-saved', {
        detail: { id: payload.id, unfinished: true },
        bubbles: true,
        composed: true,
      }),
    );
    return true;
  }

  private async build(form: FormDef, draft: Draft, answers: Answers): Promise<SubmissionPayload> {
    const stores = this.stores;
    return buildSubmission(form, draft, answers, {
      photo: (sha256) => getPhoto(sha256, stores),
      deviceId: await getDeviceId(stores),
      referenceVersion: (await getStoredReference(stores))?.etag ?? null,
      appVersion: APP_VERSION,
      now: new Date(),
    });
  }

  /** Deletes what was typed and its photos, without leaving; nothing is written after. */
  async abandon(): Promise<void> {
    const photos = (this.form?.fields ?? [])
      .filter((f) => f.type === 'photo')
      .flatMap((f) => {
        const v = this.answers[f.name];
        return Array.isArray(v) ? v : [];
      });
    await this.drafting.discard();
    // A kept draft's photos go with the next tidy-up; a kiosk's go now, with the person.
    if (this.kiosk) await forgetPhotos(photos, this.stores);
  }

  private async goToForms(e: MouseEvent): Promise<void> {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    await this.flush();
    this.navigate('/');
  }

  override render() {
    if (!this.reference) return html`<p class="loading">Loading the forms…</p>`;
    if (this.trouble === 'no-form' || this.trouble === 'no-draft' || this.trouble === 'withdrawn') {
      return this.renderTrouble(this.trouble);
    }
    const draft = this.draft;
    if (!draft) return html`<p class="loading">Opening the form…</p>`;
    const form = this.form;
    if (this.saved) {
      return html`${this.backLink()}
        <h1>${form?.title ?? draft.formId}</h1>
        <p class="banner" role="status">
          Saved. It is in the outbox and is sent when there is a connection.
        </p>`;
    }
    return form ? this.renderForm(form, draft) : this.renderLostVersion(draft);
  }

  private backLink() {
    if (this.kiosk) return nothing;
    return html`<a class="back" href="/" @click=${this.goToForms}>‹ All forms</a>`;
  }

  private renderTrouble(trouble: 'no-form' | 'no-draft' | 'withdrawn') {
    return html`${this.backLink()}${troubleNotice(trouble, this.formId ?? '', this.reference)}`;
  }

  private renderLostVersion(draft: Draft) {
    return html`${this.backLink()}${keptAnswers(draft, this.reference)}
      <div class="actions">
        <button type="button" class="danger" @click=${() => this.dialog()?.showModal()}>Discard</button>
      </div>
      ${this.renderDialog(draft)}`;
  }

  private renderForm(form: FormDef, draft: Draft) {
    const server = this.serverMessages();
    const names = new Set(form.fields.map((f) => f.name));
    const otherServerProblems = [...server].filter(([field]) => !names.has(field));
    const busy = this.saving;
    const drawn = this.drawnFields(draft);
    const whole = drawn >= form.fields.length;
    const fields = whole ? form.fields : form.fields.slice(0, drawn);
    return html`${this.backLink()}
      <h1>${form.title}</h1>
      ${form.description ? html`<p class="description">${form.description}</p>` : nothing}
      <p class="meta">Version ${form.version} · <span aria-hidden="true">*</span> required</p>
      ${versionNotice(form, this.reference)}
      ${draft.correcting ? correctionNotice(this.rejection, otherServerProblems) : nothing}
      ${draft.correctionOf ? returnedNotice(this.returned) : nothing}
      <form novalidate @submit=${(e: Event) => (e.preventDefault(), void this.save())}>
        <div class="fields" @answer-change=${this.onAnswerChange} @location-fix=${this.onLocationFix}>
          ${fields.map((f) => html`<div class="q">${this.renderField(f, server)}</div>`)}
        </div>
        ${whole ? this.renderEnd(busy) : nothing}
      </form>
      ${this.renderDialog(draft)}`;
  }

  /** What follows the questions: the outcome of Save, the buttons, and how the draft is kept. */
  private renderEnd(busy: boolean) {
    return html`<div role="alert" class="outcome">
        ${this.summary ? html`<p class="banner error">${this.summary}</p>` : nothing}
        ${this.saveError ? html`<p class="banner error">${this.saveError}</p>` : nothing}
      </div>
      <div class="actions">
        <button type="submit" class="primary" ?disabled=${busy}>${busy ? 'Saving…' : 'Save'}</button>
        <button type="button" class="danger" ?disabled=${busy} @click=${() => this.dialog()?.showModal()}>
          ${this.kiosk ? 'Start over' : 'Discard'}
        </button>
      </div>
      <p class="autosave" ?hidden=${this.kiosk}>
        ${
          this.drafting.error
            ? html`<span class="problem"
                >Your latest changes could not be kept on this device. ${this.drafting.error}</span
              >`
            : this.drafting.savedAt
              ? `Kept on this device as you type (last at ${clockTime(this.drafting.savedAt)}).`
              : 'Kept on this device as you type.'
        }
      </p>`;
  }

  private readonly onLocationFix = (e: CustomEvent<{ point: GeoPoint }>) => this.onFix(e.detail.point);

  private renderField(f: FieldDef, server: Map<string, string>) {
    const message = this.messageFor(f, server);
    const v = this.answers[f.name];
    const busy = this.saving;
    switch (f.type) {
      case 'geopoint':
        return html`<fs-location-field
          data-field=${f.name}
          .field=${f}
          .value=${isGeoPoint(v) ? v : undefined}
          .message=${message}
          ?disabled=${busy}
        ></fs-location-field>`;
      case 'photo':
        return html`<fs-photo-field
          data-field=${f.name}
          .field=${f}
          .value=${Array.isArray(v) ? v : undefined}
          .message=${message}
          .deviceFix=${this.deviceFix}
          .stores=${this.stores}
          ?disabled=${busy}
        ></fs-photo-field>`;
      default:
        return html`<fs-field
          data-field=${f.name}
          .field=${f}
          .value=${v}
          .lists=${this.lists}
          .message=${message}
          .near=${this.near}
          ?disabled=${busy}
        ></fs-field>`;
    }
  }

  private renderDialog(draft: Draft) {
    return html`<dialog aria-labelledby="discard-title" aria-describedby="discard-text">
      <h2 id="discard-title">
        ${draft.correcting ? 'Discard your corrections?' : this.kiosk ? 'Start over?' : 'Discard this form?'}
      </h2>
      <p id="discard-text">
        ${
          draft.correcting
            ? 'Your changes are deleted from this device. The refused submission stays in the outbox.'
            : 'Everything typed in it, and its photos, will be deleted from this device.'
        }
      </p>
      <div class="actions">
        <button type="button" autofocus @click=${() => this.dialog()?.close()}>Keep editing</button>
        <button type="button" class="danger primary" @click=${this.discard}>
          ${this.kiosk ? 'Start over' : 'Discard'}
        </button>
      </div>
    </dialog>`;
  }

  static override styles = [controlStyles, formViewStyles];
}

customElements.define('fs-form-view', FsFormView);

declare global {
  interface HTMLElementTagNameMap {
    'fs-form-view': FsFormView;
  }
}
