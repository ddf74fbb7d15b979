// Signing in and the administrator's devices screen, against the real server.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { signIn, signOut } from '../../src/accounts/accounts-api.js';
import '../../src/elements/fs-devices.js';
import type { FsDevices } from '../../src/elements/fs-devices.js';
import '../../src/elements/fs-signin.js';
import type { FsSignin } from '../../src/elements/fs-signin.js';
import type { ReferenceData } from '../../shared/forms.js';
import { enrollThisBrowser } from '../support/enroll.js';
import { after, afterEach, before, describe, it } from '../support/mocha.js';
import { button, clean, visibleText } from './form-support.js';

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
  const input = el.shadowRoot!.querySelector<HTMLInputElement>(`#${id}`)!;
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
    const signedIn = await signIn(admin);
    expect(signedIn.kind).to.equal('ok');
    await setViewport({ width: 320, height: 640 });
    const el = await fixture<FsDevices>(html`<fs-devices .reference=${reference}></fs-devices>`);
    await waitUntil(() => el.devices !== null, 'the list');
    expect(visibleText(el)).to.contain('Test browser');
    await expect(el).to.be.accessible();

    type(el, 'name', 'Tablet at the gate');
    el.shadowRoot!.querySelector<HTMLInputElement>('#kiosk')!.click();
    [...el.shadowRoot!.querySelectorAll<HTMLInputElement>('input[name="scope"]')][1]!.click();
    await el.updateComplete;
    el.shadowRoot!.querySelector<HTMLInputElement>('input[name="form"][value="household-visit"]')!.click();
    button(el, 'Create an enrollment link').click();
    await waitUntil(() => el.made !== null, 'the link');
    const link = el.shadowRoot!.querySelector<HTMLInputElement>('#link')!.value;
    expect(link).to.match(/\/enroll#code=[\w-]{43}$/);
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
