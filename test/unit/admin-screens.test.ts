// Signing in and the administrator's devices and users screens, against the real server.
import { ContextProvider } from '@lit/context';
import { expect, fixture, html } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { LitElement } from 'lit';
import { AccountSession, sessionContext } from '../../src/accounts/account-session.js';
import '../../src/elements/fs-session-expiry.js';
import type { Me } from '../../shared/accounts.js';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { signIn, signOut, whoAmI } from '../../src/accounts/accounts-api.js';
import '../../src/elements/fs-devices.js';
import type { FsDevices } from '../../src/elements/fs-devices.js';
import '../../src/elements/fs-signin.js';
import type { FsSignin } from '../../src/elements/fs-signin.js';
import '../../src/elements/fs-users.js';
import type { FsUsers } from '../../src/elements/fs-users.js';
import type { ReferenceData } from '../../shared/forms.js';
import { enrollThisBrowser } from '../support/enroll.js';
import { after, afterEach, before, describe, it } from '../support/mocha.js';
import { button, byLabel, clean, visibleText } from './form-support.js';
import { readQrCode } from './read-qr-code.js';
import { signedInAs } from '../support/signed-in.js';

interface Credentials {
  username: string;
  password: string;
}

let admin: Credentials;

before(async () => {
  await executeServerCommand('api-fault', {});
  await enrollThisBrowser();
  admin = (await executeServerCommand<Credentials, null>('admin-credentials', null))!;
});

// The other test files find this browser as they expect it: a device, nobody signed in.
after(async () => {
  await signOut();
});

afterEach(() => setViewport({ width: 800, height: 600 }));

function type(el: Element, id: string, text: string): void {
  const input = (el.shadowRoot ?? el).querySelector<HTMLInputElement>(`#${id}`)!;
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('fs-signin', () => {
  it('says a wrong password is wrong, signs in, says who is signed in, and signs out', async () => {
    await setViewport({ width: 320, height: 640 });
    const el = await fixture<FsSignin>(html`<fs-signin></fs-signin>`);
    await waitUntil(() => el.shadowRoot!.querySelector('form'), 'the form');
    await expect(el).to.be.accessible();
    expect(el.scrollWidth).to.be.at.most(320);

    type(el, 'username', admin.username);
    type(el, 'password', 'not the password');
    button(el, 'Sign in').click();
    await waitUntil(() => visibleText(el).includes('The username or password is wrong'), 'the refusal');

    type(el, 'password', admin.password);
    button(el, 'Sign in').click();
    await waitUntil(
      () =>
        clean(el.shadowRoot!.querySelector('.result')?.textContent).startsWith(
          `Signed in as ${admin.username}, administrator.`,
        ),
      'signed in',
    );
    expect(el.shadowRoot!.querySelector('a[href="/devices"]')?.textContent?.trim()).to.equal('Devices');
    await expect(el).to.be.accessible();

    button(el, 'Sign out').click();
    await waitUntil(() => el.shadowRoot!.querySelector('form'), 'signed out');
  });
});

describe('fs-devices', () => {
  const reference: ReferenceData = {
    forms: [
      { id: 'water-point-inspection', version: 1, title: 'Water point inspection', fields: [] },
      { id: 'household-visit', version: 1, title: 'Household visit', fields: [] },
    ],
    lists: {},
  };

  it('asks a device that is not signed in to sign in as an administrator', async () => {
    await signOut();
    const el = await fixture<FsDevices>(html`<fs-devices .reference=${reference}></fs-devices>`);
    await waitUntil(() => visibleText(el).includes('Only an administrator manages devices'), 'the refusal');
    expect(el.shadowRoot!.querySelector('a[href="/signin"]')).to.not.equal(null);
  });

  it('lists the devices, makes an enrollment link for some forms, and revokes a device', async () => {
    await signedInAs(admin);
    await setViewport({ width: 320, height: 640 });
    const el = await fixture<FsDevices>(html`<fs-devices .reference=${reference}></fs-devices>`);
    await waitUntil(() => el.devices !== null, 'the list');
    expect(visibleText(el)).to.contain('Test browser');
    await expect(el).to.be.accessible();

    type(el, 'name', 'Tablet at the gate');
    el.shadowRoot!.querySelector<HTMLInputElement>('#kiosk')!.click();
    byLabel(el, 'Only these forms').click();
    await el.updateComplete;
    byLabel(el, 'Household visit').click();
    button(el, 'Create an enrollment link').click();
    await waitUntil(() => el.made !== null, 'the link');
    const link = el.shadowRoot!.querySelector<HTMLInputElement>('#link')!.value;
    expect(link).to.match(/\/enroll#code=[\w-]{43}$/);
    // The QR code a phone's camera reads holds exactly the link.
    const qr = el.shadowRoot!.querySelector('fs-qr-code')!;
    await qr.updateComplete;
    const img = qr.shadowRoot!.querySelector('img')!;
    expect(img.alt).to.equal('QR code of the enrollment link for Tablet at the gate');
    expect(await readQrCode(img)).to.equal(link);
    await waitUntil(() => visibleText(el).includes('Tablet at the gate (kiosk)'), 'listed');
    const item = [...el.shadowRoot!.querySelectorAll('ul.devices > li')].find((li) =>
      li.textContent?.includes('Tablet at the gate'),
    )!;
    expect(item.textContent).to.contain('Waiting for its code').and.contain('Forms: household-visit');
    await expect(el).to.be.accessible();
    expect(el.scrollWidth).to.be.at.most(320);

    item.querySelector<HTMLButtonElement>('button')!.click();
    await waitUntil(() => el.shadowRoot!.querySelector('dialog')?.open, 'the confirmation');
    await expect(el).to.be.accessible();
    button(el.shadowRoot!.querySelector('dialog')!, 'Revoke').click();
    await waitUntil(
      () =>
        [...el.shadowRoot!.querySelectorAll('ul.devices > li')].some(
          (li) => li.textContent?.includes('Tablet at the gate') && li.textContent.includes('Revoked'),
        ),
      'revoked',
    );
  });
});

describe('fs-users', () => {
  const reference: ReferenceData = {
    forms: [
      { id: 'water-point-inspection', version: 1, title: 'Water point inspection', fields: [] },
      { id: 'household-visit', version: 1, title: 'Household visit', fields: [] },
    ],
    lists: {},
  };

  it('asks a browser not signed in as an administrator to sign in as one', async () => {
    await signOut();
    const el = await fixture<FsUsers>(html`<fs-users .reference=${reference}></fs-users>`);
    await waitUntil(() => visibleText(el).includes('Only an administrator manages users'), 'the refusal');
    expect(el.shadowRoot!.querySelector('a[href="/signin"]')).to.not.equal(null);
  });

  it('adds a supervisor for some forms, refuses a taken name, changes the role, sets a password, disables', async () => {
    await signedInAs(admin);
    await setViewport({ width: 320, height: 640 });
    const el = await fixture<FsUsers>(html`<fs-users .reference=${reference}></fs-users>`);
    await waitUntil(() => el.users !== null, 'the list');
    expect(visibleText(el)).to.contain(admin.username);
    await expect(el).to.be.accessible();

    // Said before asking the server: no username, a short password.
    type(el, 'password', 'short');
    button(el, 'Add the user').click();
    await waitUntil(() => visibleText(el).includes('Type the username'), 'the problems');
    expect(byLabel(el, 'Password').getAttribute('aria-invalid')).to.equal('true');

    const name = `supervisor-${Date.now()}`;
    type(el, 'username', name);
    type(el, 'password', 'a long enough password');
    byLabel(el, 'Only these forms').click();
    await el.updateComplete;
    byLabel(el, 'Water point inspection').click();
    button(el, 'Add the user').click();
    await waitUntil(() => visibleText(el).includes(`${name} can sign in now, as supervisor.`), 'added');
    const item = () =>
      [...el.shadowRoot!.querySelectorAll('ul.users > li')].find(
        (li) => li.querySelector('h3')?.textContent === name,
      )!;
    await waitUntil(() => item(), 'listed');
    expect(clean(item().textContent)).to.contain('Supervisor, forms: water-point-inspection');
    await expect(el).to.be.accessible();
    expect(el.scrollWidth).to.be.at.most(320);

    // The same name in other letter cases is the same account.
    type(el, 'username', name.toUpperCase());
    type(el, 'password', 'another long password');
    button(el, 'Add the user').click();
    await waitUntil(() => visibleText(el).includes('is taken'), 'the conflict');
    expect(byLabel(el, 'Username').getAttribute('aria-invalid')).to.equal('true');

    // The new supervisor signs in with the password given.
    await signOut();
    expect((await signIn({ username: name, password: 'a long enough password' })).kind).to.equal('ok');
    await signOut();
    expect((await signIn(admin)).kind).to.equal('ok');

    button(el, `Change role of ${name}`).click();
    const dialog = () => el.shadowRoot!.querySelector('dialog')!;
    await waitUntil(() => dialog().open, 'the dialog');
    expect(byLabel<HTMLInputElement>(dialog(), 'Water point inspection').checked).to.equal(true);
    await expect(el).to.be.accessible();
    byLabel(dialog(), 'Administrator: also manages users and devices, and reviews every form').click();
    button(dialog(), 'Save').click();
    await waitUntil(() => visibleText(el).includes(`${name} is now administrator.`), 'changed');
    await waitUntil(() => clean(item().textContent).includes('Administrator, every form'), 'listed as admin');

    button(el, `New password for ${name}`).click();
    await waitUntil(() => dialog().open, 'the password dialog');
    type(dialog(), 'new-password', 'too short');
    button(dialog(), 'Set the password').click();
    await waitUntil(() => visibleText(dialog()).includes('At least 10 characters: a few words'), 'too short');
    type(dialog(), 'new-password', 'a brand new password');
    button(dialog(), 'Set the password').click();
    await waitUntil(() => visibleText(el).includes(`${name} has a new password`), 'new password');

    button(el, `Disable ${name}`).click();
    await waitUntil(() => dialog().open, 'the confirmation');
    button(dialog(), 'Disable').click();
    await waitUntil(() => visibleText(el).includes(`${name} is disabled`), 'disabled');
    await waitUntil(() => clean(item().textContent).includes('Disabled'), 'listed as disabled');
    const refused = await signIn({ username: name, password: 'a brand new password' });
    expect(refused.kind === 'refused' && refused.status).to.equal(401);
  });

  it('refuses to take the last administrator away, saying why', async () => {
    await signedInAs(admin);
    const el = await fixture<FsUsers>(html`<fs-users .reference=${reference}></fs-users>`);
    await waitUntil(() => el.users !== null, 'the list');
    const admins = el.users!.filter((u) => u.role === 'admin' && !u.disabledAt);
    // Earlier tests may have left other administrators: disable them first, through the screen.
    for (const other of admins.filter((u) => u.username !== admin.username)) {
      button(el, `Disable ${other.username}`).click();
      await waitUntil(() => el.shadowRoot!.querySelector('dialog')?.open, 'the confirmation');
      button(el.shadowRoot!.querySelector('dialog')!, 'Disable').click();
      await waitUntil(() => visibleText(el).includes(`${other.username} is disabled`), 'disabled');
    }
    button(el, `Disable ${admin.username}`).click();
    const dialog = el.shadowRoot!.querySelector('dialog')!;
    await waitUntil(() => dialog.open, 'the confirmation');
    button(dialog, 'Disable').click();
    await waitUntil(() => visibleText(dialog).includes('This is the last administrator'), 'the refusal');
    button(dialog, 'Cancel').click();
    const me = await whoAmI();
    expect(me.kind === 'ok' && me.value.user?.username).to.equal(admin.username);
  });
});

/** A stand-in for fs-app: provides an AccountSession to what it holds. */
class TestSessionHost extends LitElement {
  readonly session = new AccountSession();
  constructor() {
    super();
    new ContextProvider(this, { context: sessionContext, initialValue: this.session });
  }
  override render() {
    return html`<fs-session-expiry></fs-session-expiry>`;
  }
}
customElements.define('test-session-host', TestSessionHost);

describe('fs-session-expiry', () => {
  it('warns minutes before the session ends, and "Stay signed in" moves the end on', async () => {
    await signedInAs(admin);
    const answer = await whoAmI();
    if (answer.kind !== 'ok') throw new Error(answer.message);
    const me: Me = answer.value;
    const host = await fixture<TestSessionHost>(html`<test-session-host></test-session-host>`);
    const warning = host.shadowRoot!.querySelector('fs-session-expiry')!;
    await warning.updateComplete;
    expect(visibleText(warning)).to.equal('');

    const soon = new Date(Date.now() + 3 * 60_000 - 1000).toISOString();
    host.session.update({ ...me, user: { ...me.user!, sessionExpiresAt: soon } });
    await waitUntil(() => visibleText(warning).includes('Your session ends in 3 minutes'), 'the warning');
    expect(warning.shadowRoot!.querySelector('[role="alert"]')).to.not.equal(null);
    await expect(warning).to.be.accessible();

    // Asks the server, which counts it as use: the end is hours away again.
    button(warning, 'Stay signed in').click();
    await waitUntil(() => visibleText(warning) === '', 'the warning gone');
    expect(Date.parse(host.session.user!.sessionExpiresAt) - Date.now()).to.be.above(60 * 60_000);
  });

  it('says the session has ended, and how to sign in again without leaving the screen', async () => {
    const host = await fixture<TestSessionHost>(html`<test-session-host></test-session-host>`);
    const warning = host.shadowRoot!.querySelector('fs-session-expiry')!;
    const user = { id: 'u', username: 'someone', role: 'supervisor' as const, formIds: null };
    host.session.update({
      device: null,
      setupNeeded: false,
      user: { ...user, sessionExpiresAt: new Date(Date.now() + 1500).toISOString() },
    });
    await waitUntil(() => visibleText(warning).includes('Your session ends in 1 minute'), 'the warning');
    // The controller's own timer turns the warning into the notice at the end.
    await waitUntil(() => visibleText(warning).includes('Your session has ended'), 'ended', {
      timeout: 20_000,
    });
    const link = warning.shadowRoot!.querySelector<HTMLAnchorElement>('a[href="/signin"]')!;
    expect(link.target).to.equal('_blank');
    await expect(warning).to.be.accessible();
  });
});
