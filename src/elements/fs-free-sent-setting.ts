import { LitElement, css, html } from 'lit';
import {
  FREE_AFTER_CHOICES,
  freeSentPhotos,
  getFreeSentPhotosAfterDays,
  setFreeSentPhotosAfterDays,
} from '../core/free-sent.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { controlStyles } from '../styles/controls.js';

/**
 * The phone's choice to free the photos of sent submissions after some
 * days (never, by default): the server has them, and the device's room is
 * for what is still to be captured. Choosing applies it at once, and the
 * app applies it again each time it starts.
 */
export class FsFreeSentSetting extends LitElement {
  static override properties = {
    stores: { attribute: false },
    days: { state: true },
    outcome: { state: true },
  };

  declare stores: Stores;
  /** undefined until read; null for never. */
  declare private days: number | null | undefined;
  declare private outcome: string;

  constructor() {
    super();
    this.stores = defaultStores;
    this.days = undefined;
    this.outcome = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void getFreeSentPhotosAfterDays(this.stores).then((d) => (this.days = d));
  }

  private async choose(e: Event): Promise<void> {
    const value = (e.target as HTMLSelectElement).value;
    const days = value === 'never' ? null : Number(value);
    this.days = days;
    try {
      await setFreeSentPhotosAfterDays(days, this.stores);
      if (days === null) {
        this.outcome = 'Photos of sent submissions are kept.';
        return;
      }
      const freed = await freeSentPhotos(days, this.stores);
      this.outcome = `${freed} photo${freed === 1 ? '' : 's'} freed now; more as submissions reach ${days} days.`;
    } catch (err) {
      this.outcome = `The setting could not be saved: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  static override styles = [
    controlStyles,
    css`
      select {
        max-width: 16rem;
      }
    `,
  ];

  override render() {
    return html`<label class="label" for="free-after">Free the photos of sent submissions</label>
      <p class="hint" id="free-after-hint">
        The server keeps them. Records stay on the device; a photo still in a form or an unsent submission is
        never freed.
      </p>
      <select
        id="free-after"
        aria-describedby="free-after-hint"
        ?disabled=${this.days === undefined}
        @change=${this.choose}
      >
        <option value="never" ?selected=${this.days === null}>Never</option>
        ${FREE_AFTER_CHOICES.map(
          (d) => html`<option value=${d} ?selected=${this.days === d}>${d} days after sending</option>`,
        )}
      </select>
      <p role="status">${this.outcome}</p>`;
  }
}

customElements.define('fs-free-sent-setting', FsFreeSentSetting);

declare global {
  interface HTMLElementTagNameMap {
    'fs-free-sent-setting': FsFreeSentSetting;
  }
}
