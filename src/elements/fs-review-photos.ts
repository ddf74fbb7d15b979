import { LitElement, css, html, nothing } from 'lit';
import type { FormDef } from '../../shared/forms.js';
import type { PhotoRef } from '../../shared/submission.js';
import { controlStyles } from '../styles/controls.js';
import './fs-photo-viewer.js';
import type { FsPhotoViewer, ViewedPhoto } from './fs-photo-viewer.js';

/** Where a photo says it was taken, in words; empty without a geotag. */
function takenAt(p: PhotoRef): string {
  if (!p.geotag) return '';
  const { lat, lon, accuracy, source } = p.geotag;
  const within = accuracy === null ? '' : ` (±${Math.round(accuracy)} m)`;
  const from = source === 'exif' ? 'the camera' : 'the phone';
  return `Taken at ${lat.toFixed(5)}, ${lon.toFixed(5)}${within}, by ${from}'s location.`;
}

/**
 * A submission's photos as a grid of thumbnails, each with its field and
 * its own geotag; one tapped opens full size with zoom in the viewer.
 */
export class FsReviewPhotos extends LitElement {
  static override properties = {
    photos: { attribute: false },
    form: { attribute: false },
  };

  declare photos: readonly PhotoRef[];
  /** The form the submission answers, for the photo fields' labels; undefined when unknown here. */
  declare form: FormDef | undefined;

  constructor() {
    super();
    this.photos = [];
    this.form = undefined;
  }

  private shown(): { ref: PhotoRef; label: string; viewed: ViewedPhoto }[] {
    return this.photos.map((ref, i) => {
      const label = this.form?.fields.find((f) => f.name === ref.field)?.label ?? ref.field;
      return {
        ref,
        label,
        viewed: { src: `/api/photos/${ref.sha256}`, alt: `Photo ${i + 1}: ${label}`, caption: takenAt(ref) },
      };
    });
  }

  private open(i: number): void {
    void this.renderRoot.querySelector<FsPhotoViewer>('fs-photo-viewer')?.show(i);
  }

  static override styles = [
    controlStyles,
    css`
      .photos {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr));
        gap: 0.75rem;
      }
      figure {
        margin: 0;
      }
      button.thumb {
        display: block;
        width: 100%;
        padding: 0;
        border: none;
        background: none;
        cursor: zoom-in;
      }
      button.thumb img {
        width: 100%;
        height: auto;
        display: block;
        border-radius: 0.35rem;
        background: var(--_border);
      }
      figcaption {
        font-size: 0.9rem;
        color: var(--_muted);
      }
    `,
  ];

  override render() {
    if (this.photos.length === 0) return nothing;
    const shown = this.shown();
    return html`<div class="photos">
        ${shown.map(
          ({ ref, label, viewed }, i) =>
            html`<figure>
              <button
                type="button"
                class="thumb"
                aria-label="Zoom ${viewed.alt}"
                @click=${() => this.open(i)}
              >
                <img src=${viewed.src} alt="" loading="lazy" width=${ref.width} height=${ref.height} />
              </button>
              <figcaption>${label}${viewed.caption ? `. ${viewed.caption}` : ''}</figcaption>
            </figure>`,
        )}
      </div>
      <fs-photo-viewer .photos=${shown.map((p) => p.viewed)}></fs-photo-viewer>`;
  }
}

customElements.define('fs-review-photos', FsReviewPhotos);

declare global {
  interface HTMLElementTagNameMap {
    'fs-review-photos': FsReviewPhotos;
  }
}
