import { LitElement, css, html, nothing } from 'lit';
import { MIN_PASSWORD_LENGTH, type Role, type UserInfo } from '../../shared/accounts.js';
import type { ReferenceData } from '../../shared/forms.js';
import { changeUser, createUser, listUsers, type ApiOutcome } from '../accounts/accounts-api.js';
import { chosenForms, formScopeStyles } from '../accounts/form-scope.js';
import { ROLE_NAME, rolePicker } from '../accounts/role-picker.js';
import { SessionController } from '../accounts/session-controller.js';
import { textField } from '../accounts/text-field.js';
import { accountScreenStyles } from '../styles/account-screens.js';
import { controlStyles } from '../styles/controls.js';

/** What the dialog is open for. */
type Editing = { user: UserInfo; action: 'change' | 'password' | 'disable' };

/**
 * The administrator's users screen, `/users`: every supervisor and
 * administrator, adding one, changing a role or the forms a supervisor
 * reviews, setting a new password, disabling and enabling. A new password or
 * disabling ends every session of the user at once.
 */
export class FsUsers extends LitElement {
  static override properties = {
    reference: { attribute: false },
    users: { state: true },
    problem: { state: true },
    signInNeeded: { state: true },
    fieldProblems: { state: true },
    role: { state: true },
    limited: { state: true },
    busy: { state: true },
    editing: { state: true },
    editRole: { state: true },
    editLimited: { state: true },
    done: { state: true },
  };

  /** The forms this browser holds, to choose a supervisor's forms from. */
  declare reference: ReferenceData | null;
  declare users: UserInfo[] | null;
  declare problem: string;
  declare signInNeeded: boolean;
  /** A problem per field id of the form on screen (the new user's, or the dialog's). */
  declare fieldProblems: Record<string, string>;
  /** The role chosen in the form on screen. */
  declare role: Role;
  declare limited: boolean;
  declare busy: boolean;
  declare editing: Editing | null;
  /** The role and form scope chosen in the dialog. */
  declare editRole: Role;
  declare editLimited: boolean;
  /** What the last change did, in words. */
  declare done: string;

  private readonly account = new SessionController(this);

  constructor() {
    super();
    this.reference = null;
    this.users = null;
    this.problem = '';
    this.signInNeeded = false;
    this.fieldProblems = {};
    this.role = 'supervisor';
    this.limited = false;
    this.busy = false;
    this.editing = null;
    this.editRole = 'supervisor';
    this.editLimited = false;
    this.done = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Shows an answer's problem (beside its field when it names one); true when there was none. */
  private settle<T>(outcome: ApiOutcome<T>, prefix = ''): outcome is { kind: 'ok'; value: T } {
    if (outcome.kind === 'ok') return true;
    const status = outcome.kind === 'refused' ? outcome.status : 0;
    const field = outcome.kind === 'refused' ? outcome.error?.field : undefined;
    if ((status === 400 || status === 409) && (field === 'username' || field === 'password')) {
      this.fieldProblems = { [`${prefix}${field}`]: outcome.message };
      return false;
    }
    // 401/403: the session ended, or this is a supervisor (or only a device).
    this.signInNeeded = this.account.signInNeeded(outcome);
    this.problem = this.signInNeeded
      ? 'Only an administrator manages users: sign in as one.'
      : outcome.message;
    return false;
  }

  private async load(): Promise<void> {
    const outcome = await listUsers();
    if (this.settle(outcome)) {
      this.users = outcome.value;
      this.problem = '';
    }
  }

  private value(id: string): string {
    return this.renderRoot.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '';
  }

  /** Problems of a password field the server would refuse anyway, said before asking it. */
  private passwordProblem(id: string): Record<string, string> {
    return this.value(id).length < MIN_PASSWORD_LENGTH
      ? { [id]: `At least ${MIN_PASSWORD_LENGTH} characters: a few words are easier to type than symbols.` }
      : {};
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy) return;
    const username = this.value('username').trim();
    this.fieldProblems = {
      ...(username ? {} : { username: 'Type the username they will sign in with.' }),
      ...this.passwordProblem('password'),
    };
    const first = Object.keys(this.fieldProblems)[0];
    if (first) {
      this.renderRoot.querySelector<HTMLElement>(`#${first}`)?.focus();
      return;
    }
    const role = this.role;
    const formIds = role === 'admin' ? null : chosenForms(this.renderRoot, 'form', this.limited);
    this.busy = true;
    const outcome = await createUser({ username, password: this.value('password'), role, formIds });
    this.busy = false;
    if (!this.settle(outcome)) return;
    this.done = `${outcome.value.username} can sign in now, as ${ROLE_NAME[role].toLowerCase()}.`;
    this.renderRoot.querySelector<HTMLFormElement>('form')?.reset();
    this.role = 'supervisor';
    this.limited = false;
    await this.load();
  }

  private open(user: UserInfo, action: Editing['action']): void {
    this.editing = { user, action };
    this.editRole = user.role;
    this.editLimited = user.formIds !== null;
    this.fieldProblems = {};
    this.problem = '';
    void this.updateComplete.then(() => this.renderRoot.querySelector('dialog')?.showModal());
  }

  private close(): void {
    this.renderRoot.querySelector('dialog')?.close();
    this.editing = null;
    this.fieldProblems = {};
    this.problem = '';
  }

  private async apply(e: Event): Promise<void> {
    e.preventDefault();
    const editing = this.editing;
    if (!editing || this.busy) return;
    const { user, action } = editing;
    if (action === 'password') {
      this.fieldProblems = this.passwordProblem('new-password');
      if (this.fieldProblems['new-password']) return;
    }
    const dialog = this.renderRoot.querySelector('dialog');
    if (!dialog) return;
    const change =
      action === 'password'
        ? { password: this.value('new-password') }
        : action === 'disable'
          ? { disabled: user.disabledAt === null }
          : {
              role: this.editRole,
              formIds: this.editRole === 'admin' ? null : chosenForms(dialog, 'edit-form', this.editLimited),
            };
    this.busy = true;
    const outcome = await changeUser(user.id, change);
    this.busy = false;
    if (!this.settle(outcome, 'new-')) return;
    this.close();
    const name = outcome.value.username;
    this.done =
      action === 'password'
        ? `${name} has a new password; their sessions have ended.`
        : action === 'disable'
          ? outcome.value.disabledAt
            ? `${name} is disabled and signed out everywhere.`
            : `${name} can sign in again.`
          : `${name} is now ${ROLE_NAME[outcome.value.role].toLowerCase()}.`;
    await this.load();
  }

  static override styles = [
    controlStyles,
    accountScreenStyles,
    formScopeStyles,
    css`
      ul.users {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
        max-width: 48rem;
      }
      ul.users > li {
        border: 1px solid var(--_border);
        border-radius: 0.5rem;
        padding: 0.75rem;
        background: #fff;
      }
      ul.users h3 {
        margin: 0;
        font-size: 1.05rem;
        overflow-wrap: anywhere;
      }
      .meta {
        margin: 0.25rem 0 0;
        color: var(--_muted);
      }
    `,
  ];

  override render() {
    return html`<h1>Users</h1>
      <div role="alert">
        ${
          this.problem && !this.editing
            ? html`<p class="banner error">
                ${this.problem} ${this.signInNeeded ? html`<a href="/signin">Sign in</a>` : nothing}
              </p>`
            : nothing
        }
      </div>
      <div role="status">${this.done ? html`<p class="banner">${this.done}</p>` : nothing}</div>
      ${this.signInNeeded ? nothing : html`${this.renderNew()} ${this.renderList()}`} ${this.renderDialog()}`;
  }

  private renderRole(name: string, edit: boolean, selected: readonly string[] | null) {
    return rolePicker({
      name,
      role: edit ? this.editRole : this.role,
      onRole: (role) => (edit ? (this.editRole = role) : (this.role = role)),
      reference: this.reference,
      limited: edit ? this.editLimited : this.limited,
      onLimited: (limited) => (edit ? (this.editLimited = limited) : (this.limited = limited)),
      selected,
    });
  }

  private renderNew() {
    const p = this.fieldProblems;
    return html`<h2>Add a supervisor or administrator</h2>
      <form @submit=${this.create} novalidate>
        ${textField({ id: 'username', label: 'Username', type: 'text', autocomplete: 'off', problem: p['username'] })}
        ${textField({
          id: 'password',
          label: 'Password',
          type: 'password',
          autocomplete: 'new-password',
          hint: `At least ${MIN_PASSWORD_LENGTH} characters. Give it to them in person, not with the username.`,
          problem: p['password'],
        })}
        ${this.renderRole('form', false, null)}
        <div class="actions">
          <button class="primary" type="submit" ?disabled=${this.busy}>
            ${this.busy && !this.editing ? 'Adding…' : 'Add the user'}
          </button>
        </div>
      </form>`;
  }

  private renderList() {
    const users = this.users;
    if (users === null)
      return html`<h2>Everyone</h2>
        <p>Loading…</p>`;
    const me = this.account.session?.user?.id;
    return html`<h2>Everyone</h2>
      <ul class="users" aria-label="Users">
        ${users.map(
          (u) =>
            html`<li>
              <h3>${u.username}${u.id === me ? ' (you)' : ''}</h3>
              <p class="meta">
                ${ROLE_NAME[u.role]},
                ${u.formIds === null ? 'every form' : `forms: ${u.formIds.join(', ') || 'none'}`}
              </p>
              <p class="meta">
                ${u.disabledAt ? `Disabled ${new Date(u.disabledAt).toLocaleString()}` : `Added ${new Date(u.createdAt).toLocaleString()}`}
              </p>
              <div class="actions">
                <button @click=${() => this.open(u, 'change')} aria-label="Change role of ${u.username}">
                  Change role
                </button>
                <button @click=${() => this.open(u, 'password')} aria-label="New password for ${u.username}">
                  New password
                </button>
                <button
                  class=${u.disabledAt ? '' : 'danger'}
                  @click=${() => this.open(u, 'disable')}
                  aria-label="${u.disabledAt ? 'Enable' : 'Disable'} ${u.username}"
                >
                  ${u.disabledAt ? 'Enable' : 'Disable'}
                </button>
              </div>
            </li>`,
        )}
      </ul>`;
  }

  private renderDialog() {
    const e = this.editing;
    const p = this.fieldProblems;
    const body = () => {
      if (!e) return nothing;
      const { user, action } = e;
      const title =
        action === 'change'
          ? `Change the role of ${user.username}`
          : action === 'password'
            ? `New password for ${user.username}`
            : `${user.disabledAt ? 'Enable' : 'Disable'} ${user.username}?`;
      const what =
        action === 'change'
          ? this.renderRole('edit-form', true, user.formIds)
          : action === 'password'
            ? html`${textField({
                  id: 'new-password',
                  label: 'New password',
                  type: 'password',
                  autocomplete: 'new-password',
                  hint: `At least ${MIN_PASSWORD_LENGTH} characters.`,
                  problem: p['new-password'],
                })}
                <p>Their sessions end at once, on every browser.</p>`
            : html`<p>
                ${
                  user.disabledAt
                    ? 'They can sign in again with their password.'
                    : 'They are signed out everywhere at once and cannot sign in until enabled again. What they reviewed stays.'
                }
              </p>`;
      return html`<h2 id="edit-title">${title}</h2>
        <form @submit=${this.apply} novalidate>
          ${what}
          <div role="alert">
            ${this.problem ? html`<p class="banner error">${this.problem}</p>` : nothing}
          </div>
          <div class="actions">
            <button
              class="primary ${action === 'disable' && !user.disabledAt ? 'danger' : ''}"
              type="submit"
              ?disabled=${this.busy}
            >
              ${action === 'change' ? 'Save' : action === 'password' ? 'Set the password' : user.disabledAt ? 'Enable' : 'Disable'}
            </button>
            <button type="button" @click=${this.close}>Cancel</button>
          </div>
        </form>`;
    };
    return html`<dialog aria-labelledby="edit-title" @cancel=${this.close}>${body()}</dialog>`;
  }
}

customElements.define('fs-users', FsUsers);

declare global {
  interface HTMLElementTagNameMap {
    'fs-users': FsUsers;
  }
}
