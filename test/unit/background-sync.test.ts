// The service worker's sync handler decisions, run in Chromium against the real server.
import { expect } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import {
  decideSync,
  RetryLater,
  submissionIdFromTag,
  submissionTag,
  syncSubmission,
} from '../../src/core/background-sync.js';
import { lockName, sendSubmission, type SendOutcome } from '../../src/core/sender.js';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission, updateSubmission } from '../../src/core/submissions.js';
import { queueDemoSubmission, testStores } from '../support/fixtures.js';
import { before, beforeEach, describe, it } from '../support/mocha.js';
import { enrollThisBrowser } from '../support/enroll.js';

let seed = 12000;
const queued = (s: Stores, overrides = {}): Promise<string> => queueDemoSubmission(s, seed++, overrides);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return null;
}

before(async () => {
  await enrollThisBrowser();
});

describe('Background Sync tags', () => {
  it('name one submission each and are read back, ignoring tags that are not ours', () => {
    const id = crypto.randomUUID();
    expect(submissionTag(id)).to.equal(`submission:${id}`);
    expect(submissionIdFromTag(submissionTag(id))).to.equal(id);
    expect(submissionIdFromTag('reference-data')).to.equal(null);
    expect(submissionIdFromTag('submission:')).to.equal(null);
  });
});

describe('the sync handler decides', () => {
  const receipt = { id: 'x', receivedAt: '2026-01-01T00:00:00.000Z', seq: 1 };
  const table: [string, SendOutcome, boolean, ReturnType<typeof decideSync>][] = [
    ['sent', { kind: 'sent', receipt }, false, 'done'],
    [
      'rejected by the server',
      { kind: 'rejected', error: { error: 'validation_failed', message: 'No' } },
      false,
      'done',
    ],
    ['already sent or deleted', { kind: 'skipped', reason: 'done' }, false, 'done'],
    ['gone from the device', { kind: 'skipped', reason: 'missing' }, true, 'done'],
    ['a network failure', { kind: 'retry', reason: 'offline', unreachable: true }, false, 'retry'],
    [
      'a network failure on the last chance',
      { kind: 'retry', reason: 'offline', unreachable: true },
      true,
      'waiting',
    ],
    ['held by another sender', { kind: 'skipped', reason: 'busy' }, false, 'retry'],
    ['held by another sender on the last chance', { kind: 'skipped', reason: 'busy' }, true, 'waiting'],
  ];
  for (const [what, outcome, lastChance, expected] of table) {
    it(`"${expected}" for ${what}`, () => {
      expect(decideSync(outcome, lastChance)).to.equal(expected);
    });
  }
});

describe('the sync handler, against the server', () => {
  beforeEach(async () => {
    await executeServerCommand('api-fault', {});
  });

  it('resolves once the submission is sent', async () => {
    const s = testStores();
    const id = await queued(s);
    expect(await syncSubmission(id, false, { stores: s })).to.equal('done');
    expect((await getSubmission(id, s))?.status).to.equal('sent');
  });

  it('fails the event on a 5xx so the browser retries, leaving the submission queued', async () => {
    const s = testStores();
    const id = await queued(s);
    await executeServerCommand('api-fault', { status: 503, count: 1 });
    expect(await rejection(syncSubmission(id, false, { stores: s }))).to.be.instanceOf(RetryLater);
    const rec = await getSubmission(id, s);
    expect(rec?.status).to.equal('queued');
    expect(rec?.attempts).to.equal(1);
  });

  it('marks the submission waiting when the last chance fails, and does not fail the event', async () => {
    const s = testStores();
    const id = await queued(s);
    await executeServerCommand('api-fault', { down: true });
    expect(await syncSubmission(id, true, { stores: s })).to.equal('waiting');
    expect((await getSubmission(id, s))?.status).to.equal('waiting');
  });

  it('resolves for a rejection: retrying cannot help, the user must fix it', async () => {
    const s = testStores();
    const id = await queued(s, { people_served: -1 });
    expect(await syncSubmission(id, false, { stores: s })).to.equal('done');
    expect((await getSubmission(id, s))?.status).to.equal('rejected');
  });

  it('is a harmless no-op for a submission deleted or already sent', async () => {
    const s = testStores();
    expect(await syncSubmission(crypto.randomUUID(), false, { stores: s })).to.equal('done');
    const id = await queued(s);
    await syncSubmission(id, false, { stores: s });
    await executeServerCommand('api-requests', { reset: true });
    expect(await syncSubmission(id, false, { stores: s })).to.equal('done');
    expect(await executeServerCommand('api-requests', { reset: true })).to.deep.equal([]);
  });

  it('waits while a page holds the submission and resolves once the page has sent it', async () => {
    const s = testStores();
    const id = await queued(s);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const holding = navigator.locks.request(lockName(id), () => held);
    const event = syncSubmission(id, false, { stores: s });
    while (!(await navigator.locks.query()).pending?.some((l) => l.name === lockName(id))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // The page's send succeeds while the worker waits for it.
    await updateSubmission(id, (r) => ({ ...r, status: 'sent' }), s);
    await executeServerCommand('api-requests', { reset: true });
    release();
    await holding;
    expect(await event).to.equal('done');
    expect(
      await executeServerCommand('api-requests', { reset: true }),
      'the worker sent nothing',
    ).to.deep.equal([]);
  });

  it('asks for a retry when a page still holds the submission at the end of its wait', async () => {
    const s = testStores();
    const id = await queued(s);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const holding = navigator.locks.request(lockName(id), () => held);
    const waited = syncSubmission(id, false, { stores: s, waitIfBusy: AbortSignal.timeout(100) });
    expect(await rejection(waited)).to.be.instanceOf(RetryLater);
    release();
    await holding;
  });

  it('waits for a page in view to deliver what it could not, and then lets the tag go', async () => {
    const s = testStores();
    const id = await queued(s);
    await executeServerCommand('api-fault', { down: true });
    const event = syncSubmission(id, false, { stores: s, pageInView: () => Promise.resolve(true) });
    await waitUntil(async () => ((await getSubmission(id, s))?.attempts ?? 0) >= 1, 'the worker tried', {
      timeout: 10_000,
    });
    await executeServerCommand('api-fault', {});
    // The page delivers it.
    expect((await sendSubmission(id, { stores: s })).kind).to.equal('sent');
    expect(await event).to.equal('done');
  });

  it('asks for a retry when no page in view has delivered it by the deadline', async () => {
    const s = testStores();
    const id = await queued(s);
    await executeServerCommand('api-fault', { down: true });
    const waited = syncSubmission(id, false, {
      stores: s,
      pageInView: () => Promise.resolve(true),
      deadline: Date.now() + 1500,
    });
    expect(await rejection(waited)).to.be.instanceOf(RetryLater);
    expect((await getSubmission(id, s))?.status).to.equal('queued');
  });

  it('stops waiting for the page when a new version of the worker is coming', async () => {
    const s = testStores();
    const id = await queued(s);
    await executeServerCommand('api-fault', { down: true });
    const coming = new AbortController();
    const event = syncSubmission(id, false, {
      stores: s,
      pageInView: () => Promise.resolve(true),
      stopWaiting: coming.signal,
      deadline: Date.now() + 600_000,
    });
    await waitUntil(async () => ((await getSubmission(id, s))?.attempts ?? 0) >= 1, 'the worker tried', {
      timeout: 10_000,
    });
    coming.abort();
    expect(await rejection(event)).to.be.instanceOf(RetryLater);
  });

  it('stops waiting once no page is in view any more, leaving the tag to the browser', async () => {
    const s = testStores();
    const id = await queued(s);
    await executeServerCommand('api-fault', { down: true });
    let inView = true;
    const event = syncSubmission(id, false, {
      stores: s,
      pageInView: () => Promise.resolve(inView),
      deadline: Date.now() + 600_000,
    });
    await waitUntil(async () => ((await getSubmission(id, s))?.attempts ?? 0) >= 1, 'the worker tried', {
      timeout: 10_000,
    });
    inView = false;
    expect(await rejection(event)).to.be.instanceOf(RetryLater);
  });

  it('fails at once, for the browser to retry, when no page is in view', async () => {
    const s = testStores();
    const id = await queued(s);
    await executeServerCommand('api-fault', { down: true });
    // Were it to wait for a page, this test would time out long before the deadline.
    const event = syncSubmission(id, false, {
      stores: s,
      pageInView: () => Promise.resolve(false),
      deadline: Date.now() + 600_000,
    });
    expect(await rejection(event)).to.be.instanceOf(RetryLater);
  });

  it("stops at its deadline instead of running into the browser's limit", async () => {
    const s = testStores();
    const id = await queued(s);
    const error = await rejection(syncSubmission(id, false, { stores: s, deadline: Date.now() - 1 }));
    expect(error).to.be.instanceOf(RetryLater);
    expect((await getSubmission(id, s))?.lastError).to.contain('Out of time');
  });
});
