import { LitElement, css, html, nothing } from 'lit';
import { EnrollmentController } from '../accounts/enrollment-controller.js';
import { defaultStores, type Stores } from '../core/stores.js';
import { controlStyles } from '../styles/controls.js';

/**
 * Says plainly, on every screen that shows the outbox or the forms, that the
 * server no longer knows this device, that nothing is lost and what to do.
 * Shows nothing while the device is enrolled.
 */
export class FsEnrollmentNotice extends LitElement {
  stores: Stores = defaultStores;
  private readonly enrollment = new EnrollmentController(this, () => this.stores);

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }
      p {
        margin: 0 0 0.75rem;
      }
    `,
  ];

  override render() {
    const message = this.enrollment.message;
    return html`<div role="status">
      ${message ? html`<p class="banner"><strong>${message}</strong></p>` : nothing}
    </div>`;
  }
}

customElements.define('fs-enrollment-notice', FsEnrollmentNotice);

declare global {
  interface HTMLElementTagNameMap {
    'fs-enrollment-notice': FsEnrollmentNotice;
  }
}
