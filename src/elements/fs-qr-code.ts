import { generate } from 'lean-qr';
import { toSvgDataURL } from 'lean-qr/extras/svg';
import { LitElement, css, html, nothing } from 'lit';

/**
 * A QR code of a link, for another device's camera: an image whose
 * alternative text is the label (the link itself is shown beside it, to copy).
 * Drawn as SVG, sharp at any size, with the quiet zone scanners need.
 */
export class FsQrCode extends LitElement {
  static override properties = {
    value: {},
    label: {},
  };

  declare value: string;
  declare label: string;

  constructor() {
    super();
    this.value = '';
    this.label = '';
  }

  static override styles = css`
    :host {
      display: block;
    }
    img {
      display: block;
      width: min(16rem, 100%);
      height: auto;
      aspect-ratio: 1;
      image-rendering: pixelated;
      background: #fff;
    }
  `;

  override render() {
    if (!this.value) return nothing;
    const src = toSvgDataURL(generate(this.value), { on: 'black', off: 'white', pad: 4, scale: 8 });
    return html`<img src=${src} alt=${this.label} />`;
  }
}

customElements.define('fs-qr-code', FsQrCode);

declare global {
  interface HTMLElementTagNameMap {
    'fs-qr-code': FsQrCode;
  }
}
