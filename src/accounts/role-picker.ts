/**
 * Supervisor or administrator, and for a supervisor the forms they review:
 * one choice, as adding a user and changing one both ask it.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { Role } from '../../shared/accounts.js';
import type { ReferenceData } from '../../shared/forms.js';
import { formScope } from './form-scope.js';

/** A role as a person reads it, capitalised; lower-case it inside a sentence. */
export const ROLE_NAME: Record<Role, string> = { admin: 'Administrator', supervisor: 'Supervisor' };

const ROLE_HINT: Record<Role, string> = {
  supervisor: 'reviews the submissions of their forms',
  admin: 'also manages users and devices, and reviews every form',
};

export interface RolePicker {
  /** Prefixes the inputs' names, unique within the element; the form boxes are named by it. */
  name: string;
  role: Role;
  onRole: (role: Role) => void;
  reference: ReferenceData | null;
  limited: boolean;
  onLimited: (limited: boolean) => void;
  /** A supervisor's forms ticked when first shown. */
  selected: readonly string[] | null;
}

export function rolePicker(p: RolePicker): TemplateResult {
  const radio = (role: Role) =>
    html`<label class="choice">
      <input
        type="radio"
        name="${p.name}-role"
        value=${role}
        ?checked=${p.role === role}
        .checked=${p.role === role}
        @change=${() => p.onRole(role)}
      />
      ${ROLE_NAME[role]}: ${ROLE_HINT[role]}
    </label>`;
  return html`<fieldset>
      <legend>Role</legend>
      ${radio('supervisor')} ${radio('admin')}
    </fieldset>
    ${
      p.role === 'supervisor'
        ? formScope({
            name: p.name,
            reference: p.reference,
            limited: p.limited,
            onLimited: p.onLimited,
            selected: p.selected,
          })
        : nothing
    }`;
}
