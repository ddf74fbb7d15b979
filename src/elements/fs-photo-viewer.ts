import Panzoom, { type PanzoomObject } from '@panzoom/panzoom';
import { LitElement, css, html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { controlStyles } from '../styles/controls.js';
import { stillClosed } from '../dialog-close.js';

/** A photo to show: where its bytes are, and what to say of it. */
export interface ViewedPhoto {
  src: string;
  /** What the photo shows, for the image's alternative text and the title: "Photo 1: Water source". */
  alt: string;
  /** A line under it, e.g. where it was taken; may be empty. */
  caption: string;
}

const MAX_SCALE = 8;
// Panzoom steps by a factor of e^step: each zoom doubles or halves (100, 200, 400, 800%).
const STEP = Math.LN2;

/**
 * Photos full size in a modal dialog, one at a time, with zoom and pan:
 * buttons, the keyboard (+, −, 0, ← →), the wheel, a drag, or two fingers.
 * Zoom is how a reviewer reads a meter or a serial number in a photo; a
 * new tab loses the submission beside it, so that stays a link.
 */
export class FsPhotoViewer extends LitElement {
  static override properties = {
    photos: { attribute: false },
    index: { state: true },
    scale: { state: true },
  };

  declare photos: readonly ViewedPhoto[];
  /** The photo shown, or -1 while closed. */
  declare index: number;
  declare scale: number;
  private panzoom: PanzoomObject | null = null;
  private opener: HTMLElement | null = null;

  constructor() {
    super();
    this.photos = [];
    this.index = -1;
    this.scale = 1;
  }

  /** Opens the dialog on photo i; focus returns to what had it on closing. */
  async show(i: number): Promise<void> {
    const active = document.activeElement;
    this.opener = active instanceof HTMLElement ? active : null;
    this.index = Math.max(0, Math.min(i, this.photos.length - 1));
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && !dialog.open) dialog.showModal();
    this.attach();
  }

  private get image(): HTMLImageElement | null {
    return this.renderRoot.querySelector('.stage img');
  }

  /** Panzoom binds to one image element; each photo gets its own, at fit size. */
  private attach(): void {
    this.panzoom?.destroy();
    const image = this.image;
    if (!image) return;
    this.panzoom = Panzoom(image, { maxScale: MAX_SCALE, minScale: 1, step: STEP, cursor: 'grab' });
    this.scale = 1;
  }

  private readonly onZoomChange = (e: Event): void => {
    this.scale = (e as CustomEvent<{ scale: number }>).detail.scale;
  };

  private readonly onWheel = (e: WheelEvent): void => {
    this.panzoom?.zoomWithWheel(e);
  };

  private async go(by: number): Promise<void> {
    const next = this.index + by;
    if (next < 0 || next >= this.photos.length) return;
    this.index = next;
    await this.updateComplete;
    this.attach();
  }

  private onKey(e: KeyboardEvent): void {
    const keys: Record<string, () => void> = {
      '+': () => this.panzoom?.zoomIn(),
      '=': () => this.panzoom?.zoomIn(),
      '-': () => this.panzoom?.zoomOut(),
      '0': () => this.panzoom?.reset(),
      ArrowLeft: () => void this.go(-1),
      ArrowRight: () => void this.go(1),
    };
    const act = keys[e.key];
    // Arrow keys pan the photo once zoomed in: move between photos only at fit size.
    if (!act || (this.scale > 1 && e.key.startsWith('Arrow'))) return;
    e.preventDefault();
    act();
  }

  private onClose(e: Event): void {
    if (!stillClosed(e)) return;
    this.panzoom?.destroy();
    this.panzoom = null;
    this.index = -1;
    this.opener?.focus();
    this.opener = null;
  }

  static override styles = [
    controlStyles,
    css`
      dialog {
        width: min(96vw, 80rem);
        height: min(94vh, 60rem);
        max-width: none;
        max-height: none;
        padding: 0;
        border: none;
        border-radius: 0.5rem;
        background: var(--_surface);
        color: var(--_fg);
      }
      dialog[open] {
        display: grid;
        grid-template-rows: auto 1fr auto;
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.75);
      }
      header,
      footer {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
        padding: 0.5rem 0.75rem;
      }
      h2 {
        font-size: 1.05rem;
        margin: 0;
        flex: 1 1 12rem;
        overflow-wrap: anywhere;
      }
      .stage {
        min-height: 0;
        display: flex;
        align-items: center;
        justify-content: center;
        background: #111;
      }
      .stage img {
        max-width: 100%;
        max-height: 100%;
        object-fit: contain;
      }
      .zoom {
        min-width: 4.5rem;
        text-align: center;
        font-variant-numeric: tabular-nums;
      }
      footer a {
        display: inline-flex;
        align-items: center;
        min-height: var(--_target);
        color: var(--_brand);
      }
      .caption {
        flex: 1 1 12rem;
        margin: 0;
        overflow-wrap: anywhere;
      }
    `,
  ];

  override render() {
    const photo = this.photos[this.index];
    const count = this.photos.length;
    return html`<dialog
      aria-labelledby="photo-title"
      @close=${this.onClose}
      @keydown=${this.onKey}
      @wheel=${this.onWheel}
    >
      ${
        photo
          ? html`<header>
                <h2 id="photo-title">${photo.alt}${count > 1 ? ` (${this.index + 1} of ${count})` : ''}</h2>
                ${
                  count > 1
                    ? html`<button type="button" ?disabled=${this.index === 0} @click=${() => this.go(-1)}>
                          Previous photo
                        </button>
                        <button
                          type="button"
                          ?disabled=${this.index === count - 1}
                          @click=${() => this.go(1)}
                        >
                          Next photo
                        </button>`
                    : nothing
                }
                <button type="button" @click=${() => this.renderRoot.querySelector('dialog')?.close()}>
                  Close
                </button>
              </header>
              <div class="stage">
                ${
                  // An image per photo, so that no zoom or pan of the last one carries over.
                  keyed(
                    this.index,
                    html`<img
                      src=${photo.src}
                      alt=${photo.alt}
                      draggable="false"
                      @panzoomchange=${this.onZoomChange}
                    />`,
                  )
                }
              </div>
              <footer>
                <button type="button" ?disabled=${this.scale <= 1} @click=${() => this.panzoom?.zoomOut()}>
                  Zoom out
                </button>
                <output class="zoom" aria-live="polite" aria-label="Zoom"
                  >${Math.round(this.scale * 100)}%</output
                >
                <button
                  type="button"
                  ?disabled=${this.scale >= MAX_SCALE}
                  @click=${() => this.panzoom?.zoomIn()}
                >
                  Zoom in
                </button>
                <button type="button" ?disabled=${this.scale <= 1} @click=${() => this.panzoom?.reset()}>
                  Fit to screen
                </button>
                <p class="caption">${photo.caption}</p>
                <a href=${photo.src} target="_blank" rel="noopener">Open in a new tab</a>
              </footer>`
          : nothing
      }
    </dialog>`;
  }
}

customElements.define('fs-photo-viewer', FsPhotoViewer);

declare global {
  interface HTMLElementTagNameMap {
    'fs-photo-viewer': FsPhotoViewer;
  }
}
