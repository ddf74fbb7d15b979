import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { FieldDef } from '../../shared/forms.js';
import type { GeoPoint, PhotoGeotag } from '../../shared/submission.js';
import { isRequired } from '../../shared/validate.js';
import { getPhoto, putPhoto } from '../core/photos.js';
import { defaultStores, StorageFullError, type Stores } from '../core/stores.js';
import { quickPosition } from '../geo/current-position.js';
import { PhotoError, processPhoto } from '../photos/process-photo.js';
import { controlStyles } from '../styles/controls.js';
import type { AnswerChangeDetail } from './fs-field.js';

/** A device position older than this is asked for again before it geotags a photo. */
const FRESH_FIX_MS = 2 * 60_000;

interface Thumb {
  /** Object URL of the thumbnail; null when the photo is not on the device. */
  url: string | null;
  geotag: PhotoGeotag | null;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A photo question. Each chosen or captured file is prepared (scaled, hashed,
 * geotagged), stored on the device at once, so a reload keeps it, and only
 * then added to the answer as its SHA-256. A photo that fails is reported
 * beside the field; the others are kept. The `busy` attribute is present
 * while photos are being prepared.
 *
 * @fires answer-change - AnswerChangeDetail with the list of hashes, or undefined when none is left.
 */
export class FsPhotoField extends LitElement {
  static override properties = {
    field: { attribute: false },
    value: { attribute: false },
    message: { attribute: false },
    deviceFix: { attribute: false },
    stores: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    progress: { state: true },
    problems: { state: true },
  };

  declare field: FieldDef | null;
  declare value: string[] | undefined;
  declare message: string | null;
  /** The device's latest position, used for photos without their own GPS. */
  declare deviceFix: GeoPoint | null;
  declare stores: Stores;
  declare disabled: boolean;
  declare private progress: { current: number; total: number } | null;
  declare private problems: string[];

  private thumbs = new Map<string, Thumb>();
  private loading = new Set<string>();

  constructor() {
    super();
    this.field = null;
    this.value = undefined;
    this.message = null;
    this.deviceFix = null;
    this.stores = defaultStores;
    this.disabled = false;
    this.progress = null;
    this.problems = [];
  }

  private get hashes(): string[] {
    return this.value ?? [];
  }

  private get max(): number {
    const max = this.field?.max?.value;
    return typeof max === 'number' ? max : Infinity;
  }

  override focus(options?: FocusOptions): void {
    const root = this.renderRoot;
    (
      root.querySelector<HTMLElement>('#files:not(:disabled)') ?? root.querySelector<HTMLElement>('button')
    )?.focus(options);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) void this.loadThumbs();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const t of this.thumbs.values()) if (t.url) URL.revokeObjectURL(t.url);
    this.thumbs.clear();
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Tells the form that a photo is still on its way into the answer.
    this.toggleAttribute('busy', this.progress !== null);
    if (changed.has('stores') && changed.get('stores') !== undefined) this.dropThumbs(() => true);
    if (changed.has('value') || changed.has('stores')) void this.loadThumbs();
  }

  private dropThumbs(which: (hash: string) => boolean): void {
    for (const [hash, t] of this.thumbs) {
      if (!which(hash)) continue;
      if (t.url) URL.revokeObjectURL(t.url);
      this.thumbs.delete(hash);
    }
  }

  /** Thumbnails for the answer's photos, read from the photo store (after a reload, say). */
  private async loadThumbs(): Promise<void> {
    const hashes = this.hashes;
    this.dropThumbs((h) => !hashes.includes(h));
    const todo = hashes.filter((h) => !this.thumbs.has(h) && !this.loading.has(h));
    if (!todo.length) return;
    const stores = this.stores;
    for (const h of todo) this.loading.add(h);
    await Promise.all(
      todo.map(async (h) => {
        const photo = await getPhoto(h, stores).catch(() => undefined);
        this.loading.delete(h);
        if (!this.isConnected || stores !== this.stores || !this.hashes.includes(h) || this.thumbs.has(h))
          return;
        this.thumbs.set(h, {
          url: photo ? URL.createObjectURL(new Blob([photo.thumbnail], { type: 'image/jpeg' })) : null,
          geotag: photo?.geotag ?? null,
        });
      }),
    );
    this.requestUpdate();
  }

  private emit(): void {
    if (!this.field) return;
    const detail: AnswerChangeDetail = {
      name: this.field.name,
      value: this.hashes.length ? [...this.hashes] : undefined,
      commit: true,
    };
    this.dispatchEvent(new CustomEvent('answer-change', { detail, bubbles: true, composed: true }));
  }

  private async onFiles(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    // Let the same file be chosen again after a failure or a removal.
    input.value = '';
    if (!files.length || !this.field || this.progress) return;
    const problems: string[] = [];
    const room = Math.max(0, this.max - this.hashes.length);
    const accepted = files.slice(0, room);
    const refused = files.length - accepted.length;
    if (refused) {
      problems.push(
        `This question takes at most ${plural(this.max, 'photo', 'photos')}, so ` +
          `${refused} of the ${files.length} chosen ${refused === 1 ? 'was' : 'were'} not added.`,
      );
    }
    this.problems = problems;
    if (!accepted.length) return;

    let added = 0;
    this.progress = { current: 1, total: accepted.length };
    const geotag = await this.deviceGeotag();
    for (const [i, file] of accepted.entries()) {
      this.progress = { current: i + 1, total: accepted.length };
      try {
        const photo = await processPhoto(file, { deviceGeotag: () => geotag });
        if (this.hashes.includes(photo.sha256)) {
          problems.push(`${file.name ? `“${file.name}”` : 'This photo'} is already added.`);
          continue;
        }
        await putPhoto(photo, this.stores);
        this.thumbs.set(photo.sha256, {
          url: URL.createObjectURL(new Blob([photo.thumbnail], { type: 'image/jpeg' })),
          geotag: photo.geotag,
        });
        this.value = [...this.hashes, photo.sha256];
        added++;
        this.emit();
      } catch (err) {
        if (err instanceof PhotoError || err instanceof StorageFullError) {
          problems.push(err.message);
        } else {
          console.error('Adding a photo failed', err);
          problems.push(`${file.name ? `“${file.name}”` : 'A photo'} could not be added. Try again.`);
        }
        // With the storage full, the next photos cannot be kept either.
        if (err instanceof StorageFullError) break;
      } finally {
        this.problems = [...problems];
      }
    }
    this.progress = null;
    await this.updateComplete;
    this.restoreFocus(added > 0);
  }

  /**
   * The input is disabled while photos are processed, which drops focus to
   * the page: give it to the newest photo's Remove button (or back to the
   * input), unless the user has meanwhile moved on to another question.
   */
  private restoreFocus(added: boolean): void {
    let active: Element | null = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    const lost = !active || active === document.body || active === this || this.renderRoot.contains(active);
    if (!lost) return;
    const removes = this.renderRoot.querySelectorAll<HTMLElement>('.thumbs button');
    const target = added ? removes[removes.length - 1] : this.renderRoot.querySelector<HTMLElement>('#files');
    target?.focus();
  }

  /** Where the device is, for photos without their own GPS: the latest fix, or a quick new one. */
  private async deviceGeotag(): Promise<PhotoGeotag | null> {
    const fix = this.deviceFix;
    const point = fix && Date.now() - Date.parse(fix.time) <= FRESH_FIX_MS ? fix : await quickPosition();
    return point
      ? { lat: point.lat, lon: point.lon, accuracy: point.accuracy, time: point.time, source: 'device' }
      : null;
  }

  private async removePhoto(hash: string, index: number): Promise<void> {
    this.dropThumbs((h) => h === hash);
    this.value = this.hashes.filter((h) => h !== hash);
    this.problems = [];
    this.emit();
    await this.updateComplete;
    // Focus the photo that took its place, else the one before, else the add button.
    const buttons = this.renderRoot.querySelectorAll<HTMLElement>('.thumbs button');
    (buttons[index] ?? buttons[index - 1] ?? this.renderRoot.querySelector<HTMLElement>('#files'))?.focus();
  }

  override render() {
    const f = this.field;
    if (!f) return nothing;
    const hashes = this.hashes;
    const full = hashes.length >= this.max;
    const busy = this.progress !== null;
    const ids = [f.hint && 'hint', 'count', this.message && 'message'].filter(Boolean).join(' ');
    return html`<fieldset aria-describedby=${ids} aria-invalid=${this.message ? 'true' : 'false'}>
      <legend>
        ${f.label}${isRequired(f) ? html`<span class="req" aria-hidden="true">*</span>` : nothing}
      </legend>
      ${f.hint ? html`<p id="hint" class="hint">${f.hint}</p>` : nothing}
      <p id="message" class="message" aria-live="polite">${this.message ?? nothing}</p>
      ${
        hashes.length
          ? html`<ul class="thumbs">
              ${repeat(
                hashes,
                (h) => h,
                (h, i) => this.renderThumb(h, i),
              )}
            </ul>`
          : nothing
      }
      <p id="count" class="count">
        ${
          this.max === Infinity
            ? plural(hashes.length, 'photo', 'photos')
            : `${hashes.length} of at most ${plural(this.max, 'photo', 'photos')}${full ? ': remove one to add another.' : ''}`
        }
      </p>
      <div class="actions">
        <input
          id="files"
          class="visually-hidden"
          type="file"
          accept="image/*"
          capture="environment"
          ?multiple=${this.max - hashes.length > 1}
          ?disabled=${this.disabled || full || busy}
          aria-describedby=${ids}
          @change=${this.onFiles}
        />
        <label for="files" class="button primary">Take or choose photos</label>
      </div>
      <p class="progress" role="status">
        ${this.progress ? `Processing ${this.progress.current} of ${this.progress.total}…` : nothing}
      </p>
      <div role="alert">
        ${
          this.problems.length
            ? html`<ul class="problems">
                ${this.problems.map((p) => html`<li>${p}</li>`)}
              </ul>`
            : nothing
        }
      </div>
    </fieldset>`;
  }

  private renderThumb(hash: string, i: number) {
    const t = this.thumbs.get(hash);
    const name = `Photo ${i + 1}`;
    const where = !t
      ? ''
      : t.url === null
        ? 'Missing from this device'
        : t.geotag === null
          ? 'No location'
          : t.geotag.source === 'exif'
            ? 'Location from the photo'
            : 'Location from the device';
    return html`<li>
      ${
        t?.url
          ? html`<img src=${t.url} alt=${name} />`
          : html`<span
              class="placeholder"
              role="img"
              aria-label=${t ? `${name}, missing from this device` : name}
              >${t ? '!' : '…'}</span
            >`
      }
      <span class="where">${where}</span>
      <button
        type="button"
        class="danger"
        aria-label="Remove photo ${i + 1}"
        ?disabled=${this.disabled || this.progress !== null}
        @click=${() => this.removePhoto(hash, i)}
      >
        Remove
      </button>
    </li>`;
  }

  static override styles = [
    controlStyles,
    css`
      .thumbs {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr));
        gap: 0.5rem;
        margin: 0 0 0.5rem;
        padding: 0;
        list-style: none;
      }
      .thumbs li {
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        padding: 0.35rem;
        border: 2px solid var(--_border);
        border-radius: 0.35rem;
        background: var(--_surface);
      }
      .thumbs img,
      .placeholder {
        display: block;
        width: 100%;
        aspect-ratio: 4 / 3;
        object-fit: cover;
        border-radius: 0.25rem;
        background: var(--_bg);
      }
      .placeholder {
        display: grid;
        place-items: center;
        font-size: 2rem;
        font-weight: 700;
        color: var(--_danger);
      }
      .where {
        font-size: 0.85rem;
        color: var(--_muted);
      }
      .count,
      .progress {
        margin: 0.25rem 0;
      }
      .progress:empty {
        display: none;
      }
      #files:focus-visible + label {
        outline: 3px solid var(--_fg);
        outline-offset: 2px;
        box-shadow: 0 0 0 2px var(--_focus);
      }
      #files:disabled + label {
        opacity: 0.55;
        cursor: not-allowed;
      }
      .problems {
        margin: 0.5rem 0 0;
        padding-left: 1.25rem;
        color: var(--_danger);
        font-weight: 600;
      }
    `,
  ];
}

customElements.define('fs-photo-field', FsPhotoField);

declare global {
  interface HTMLElementTagNameMap {
    'fs-photo-field': FsPhotoField;
  }
}
