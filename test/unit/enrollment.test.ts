// A device the server does not know (any more), a form it may not use, and enrolling again: against the real server.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { syncSubmission } from '../../src/core/background-sync.js';
import { WAITING_AFTER_ATTEMPTS } from '../../src/core/backoff.js';
import { drainOutbox } from '../../src/core/drain.js';
import { getEnrollment, markEnrolled, markNotEnrolled } from '../../src/core/enrollment.js';
import { sendSubmission } from '../../src/core/sender.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission } from '../../src/core/submissions.js';
import '../../src/elements/fs-enroll.js';
import type { FsEnroll } from '../../src/elements/fs-enroll.js';
import '../../src/elements/fs-form-list.js';
import '../../src/elements/fs-outbox.js';
import type { MyDevice } from '../../shared/accounts.js';
import { queueDemoSubmission, testStores } from '../support/fixtures.js';
import { enrollThisBrowser, revokeThisBrowser, serverSubmissions, whoAmI } from '../support/enroll.js';
import { after, afterEach, before, beforeEach, describe, it } from '../support/mocha.js';
import { visibleText } from './form-support.js';

const NO_LONGER =
  'This device is no longer enrolled: nothing is lost; ask your supervisor for a new QR code.';

let seed = 40_000;
const queued = (s: Stores): Promise<string> => queueDemoSubmission(s, seed++);

async function requests(): Promise<string[]> {
  return (await executeServerCommand<string[], { reset: boolean }>('api-requests', { reset: true })) ?? [];
}

before(async () => {
  await executeServerCommand('api-fault', {});
  await enrollThisBrowser();
});

// Whatever a test did to this browser's enrollment, the files after it find it enrolled for every form.
after(async () => {
  await executeServerCommand('api-fault', {});
  await enrollThisBrowser();
});

describe('the enrollment the device records', () => {
  it('ignores a refusal of a request sent before the browser last enrolled', async () => {
    const s = testStores();
    const device: MyDevice = { id: crypto.randomUUID(), name: 'Phone', kiosk: false, formIds: null };
    const sentBefore = Date.now() - 1000;
    await markEnrolled(device, s);
    await markNotEnrolled(sentBefore, s);
    expect((await getEnrollment(s)).notEnrolledSince).to.equal(null);
    await markNotEnrolled(Date.now() + 1, s);
    expect((await getEnrollment(s)).notEnrolledSince).to.be.a('string');
  });
});

describe('a device the server no longer knows', () => {
  let s: Stores;
  let ids: string[];
  beforeEach(async () => {
    await executeServerCommand('api-fault', {});
    s = testStores();
    // As the app records it at start-up (GET /api/me): this browser is a known device.
    await markEnrolled((await whoAmI()).device!, s);
    ids = [await queued(s), await queued(s), await queued(s)];
  });

  it('keeps every submission queued, its tries uncounted, says why on the outbox and the forms, and sends each once after enrolling again', async () => {
    await revokeThisBrowser();
    await requests();

    const result = await drainOutbox({ stores: s, force: true });
    expect(result).to.include({ sent: 0, rejected: 0, failed: 0, notEnrolled: true, nextAttemptAt: null });
    expect(
      (await requests()).filter((r) => r.startsWith('PUT ')),
      'one refusal stops the run',
    ).to.have.length(1);
    // However often it is tried, and even on Background Sync's last chance, it never moves towards "waiting".
    for (let i = 0; i < WAITING_AFTER_ATTEMPTS + 1; i++)
      expect((await sendSubmission(ids[0]!, { stores: s })).kind).to.equal('not-enrolled');
    expect(await syncSubmission(ids[1]!, true, { stores: s })).to.equal('done');
    for (const id of ids) {
      const rec = await getSubmission(id, s);
      expect(rec, id).to.include({ status: 'queued', attempts: 0, lastError: null, rejection: null });
    }
    expect((await getEnrollment(s)).notEnrolledSince).to.be.a('string');

    await setViewport({ width: 320, height: 640 });
    const outbox = await fixture(html`<fs-outbox .stores=${s}></fs-outbox>`);
    await waitUntil(
      () => visibleText(outbox).includes(NO_LONGER),
      'the outbox says the device is not enrolled',
    );
    // The notice comes from the enrollment record, the count from the outbox read after it.
    await waitUntil(() => visibleText(outbox).includes('3 submissions not yet sent.'), 'what still waits');
    await expect(outbox).to.be.accessible();
    const forms = await fixture(html`<fs-form-list .stores=${s} .reference=${null}></fs-form-list>`);
    await waitUntil(() => visibleText(forms).includes(NO_LONGER), 'the forms list says so too');

    await enrollThisBrowser({ fresh: true, stores: s });
    expect((await getEnrollment(s)).notEnrolledSince).to.equal(null);
    await waitUntil(() => !visibleText(outbox).includes(NO_LONGER), 'the outbox no longer says so');
    await requests();
    expect(await drainOutbox({ stores: s })).to.include({ sent: 3, notEnrolled: false });
    for (const id of ids) expect((await getSubmission(id, s))?.status).to.equal('sent');
    const held = await serverSubmissions();
    for (const id of ids)
      expect(
        held.filter((h) => h.id === id),
        id,
      ).to.have.length(1);
    const puts = (await requests()).filter((r) => r.startsWith('PUT /api/submissions/'));
    // Tries refused with 401 are not counted: each goes as a new submission would, its photo with it.
    for (const id of ids)
      expect(
        puts.filter((r) => r.includes(id)),
        'the record and its photo, in one request',
      ).to.deep.equal([`PUT /api/submissions/${id}/bundle`]);
    await setViewport({ width: 800, height: 600 });
  });

  it('treats a 403 for its request header as trouble on the way: tried again, not refused', async () => {
    await executeServerCommand('api-fault', { status: 403, count: 1, errorCode: 'csrf' });
    const outcome = await sendSubmission(ids[0]!, { stores: s });
    expect(outcome.kind).to.equal('retry');
    expect(await getSubmission(ids[0]!, s)).to.include({ status: 'queued', attempts: 1 });
    expect((await sendSubmission(ids[0]!, { stores: s })).kind).to.equal('sent');
  });
});

describe('a device enrolled for other forms', () => {
  it('keeps a submission of a form it may not use, with the reason, and sends it once enrolled for it', async () => {
    const s = testStores();
    await enrollThisBrowser({ formIds: ['household-visit'] });
    const ids = [await queued(s), await queued(s)];
    const result = await drainOutbox({ stores: s, force: true });
    expect(result).to.include({ sent: 0, forbidden: 2, rejected: 0, failed: 0, notEnrolled: false });
    for (const id of ids) {
      const rec = await getSubmission(id, s);
      expect(rec).to.include({ status: 'queued', attempts: 0, rejection: null });
      expect(rec?.lastError).to.contain('may not send form "water-point-inspection"');
    }
    const outbox = await fixture(html`<fs-outbox .stores=${s}></fs-outbox>`);
    await waitUntil(
      () => visibleText(outbox).includes('may not send form'),
      'the outbox says why it is kept',
    );
    expect(visibleText(outbox)).not.to.contain('Rejected');

    await enrollThisBrowser();
    expect(await drainOutbox({ stores: s, force: true })).to.include({ sent: 2, forbidden: 0 });
  });
});

describe('fs-enroll', () => {
  const testPage = location.href;
  beforeEach(() => executeServerCommand('api-fault', {}));
  afterEach(() => history.replaceState(null, '', testPage));

  async function openLink(code: string, s: Stores): Promise<FsEnroll> {
    history.replaceState(null, '', `/enroll#code=${code}`);
    const el = await fixture<FsEnroll>(html`<fs-enroll .stores=${s}></fs-enroll>`);
    expect(location.hash, 'the code leaves the address at once').to.equal('');
    expect(location.pathname).to.equal('/enroll');
    return el;
  }

  async function code(): Promise<string> {
    const made = await executeServerCommand<{ code: string }, { formIds: null }>('enrollment-code', {
      formIds: null,
    });
    return made!.code;
  }

  it('enrolls with the code of the link, shows the device and its forms, and tells the app', async () => {
    const s = testStores();
    await markNotEnrolled(Date.now(), s);
    const the = await code();
    const enrolled = new Promise<CustomEvent<MyDevice>>((resolve) =>
      addEventListener('fs-enrolled', (e) => resolve(e as CustomEvent<MyDevice>), { once: true }),
    );
    const el = await openLink(the, s);
    const device = (await enrolled).detail;
    expect(device.name).to.equal('Test browser');
    await waitUntil(() => visibleText(el).includes('Water point inspection'), 'the forms are listed');
    expect(visibleText(el)).to.contain('This device is enrolled as Test browser');
    expect((await getEnrollment(s)).notEnrolledSince).to.equal(null);
    expect((await whoAmI()).device?.id).to.equal(device.id);
    await setViewport({ width: 320, height: 640 });
    expect(el.scrollWidth).to.be.at.most(320);
    await expect(el).to.be.accessible();
    await setViewport({ width: 800, height: 600 });

    const again = await openLink(the, testStores());
    await waitUntil(() => visibleText(again).includes('already used'), 'a used code is refused');
    expect(visibleText(again)).to.contain('ask your supervisor for a new QR code');
  });

  it('says to connect to the network when the server cannot be reached, and enrolls on "Try again"', async () => {
    const s = testStores();
    const the = await code();
    await executeServerCommand('api-fault', { down: true });
    const el = await openLink(the, s);
    await waitUntil(
      () => visibleText(el).includes('connect to the network to enroll'),
      'the offline message',
    );
    await expect(el).to.be.accessible();
    await executeServerCommand('api-fault', {});
    const enrolled = oneEvent(el, 'fs-enrolled');
    el.shadowRoot!.querySelector<HTMLButtonElement>('button')!.click();
    await enrolled;
  });
});
