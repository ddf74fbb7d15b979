/**
 * A labelled text or password field with its hint and its problem, as the
 * account screens show them: the label names the input, the hint and the
 * problem describe it, and a problem marks it invalid.
 */
import { html, nothing, type TemplateResult } from 'lit';

export interface TextField {
  id: string;
  label: string;
  type: 'text' | 'password';
  autocomplete: string;
  hint?: string;
  problem?: string;
}

export function textField({ id, label, type, autocomplete, hint, problem }: TextField): TemplateResult {
  const described = [hint ? `${id}-hint` : '', problem ? `${id}-problem` : ''].filter(Boolean).join(' ');
  return html`<div>
    <label class="label" for=${id}>${label}</label>
    ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : nothing}
    <p class="message" id="${id}-problem">${problem ?? ''}</p>
    <input
      id=${id}
      type=${type}
      autocomplete=${autocomplete}
      required
      aria-invalid=${problem ? 'true' : 'false'}
      aria-describedby=${described || nothing}
    />
  </div>`;
}
