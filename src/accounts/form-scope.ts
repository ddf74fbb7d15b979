/**
 * "Every form" or "Only these forms" with a box per form: what a device may
 * use or a supervisor reviews. Every form includes forms published later.
 * The radios bind the attribute too, so a form's reset() returns to the state shown.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import type { ReferenceData } from '../../shared/forms.js';
import { startableForms } from '../core/form-versions.js';

export interface FormScope {
  /** Names the radios and boxes, unique within the element. */
  name: string;
  reference: ReferenceData | null;
  limited: boolean;
  onLimited: (limited: boolean) => void;
  /** The boxes ticked when first shown. */
  selected?: readonly string[] | null;
}

export function formScope({ name, reference, limited, onLimited, selected }: FormScope): TemplateResult {
  const forms = startableForms(reference);
  return html`<fieldset>
    <legend>Forms</legend>
    <label class="choice">
      <input
        type="radio"
        name="${name}-scope"
        ?checked=${!limited}
        .checked=${!limited}
        @change=${() => onLimited(false)}
      />
      Every form
    </label>
    <label class="choice">
      <input
        type="radio"
        name="${name}-scope"
        ?checked=${limited}
        .checked=${limited}
        @change=${() => onLimited(true)}
      />
      Only these forms
    </label>
    ${
      limited
        ? html`<div class="indent">
            ${
              forms.length === 0
                ? html`<p>This browser holds no forms yet to choose from.</p>`
                : forms.map(
                    (f) =>
                      html`<label class="choice"
                        ><input
                          type="checkbox"
                          name=${name}
                          value=${f.id}
                          .defaultChecked=${selected?.includes(f.id) ?? false}
                        />
                        ${f.title}</label
                      >`,
                  )
            }
          </div>`
        : nothing
    }
  </fieldset>`;
}

/** The forms ticked in the scope named name under root, or null for every form. */
export function chosenForms(root: ParentNode, name: string, limited: boolean): string[] | null {
  if (!limited) return null;
  return [...root.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
}

export const formScopeStyles = css`
  .choice {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    min-height: var(--_target);
  }
  .choice input {
    flex: none;
    width: 1.4rem;
    height: 1.4rem;
    margin: 0;
  }
  .indent {
    margin-left: 2rem;
  }
`;
