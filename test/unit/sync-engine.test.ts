// When submissions leave the device: the engine against the real server, with faults between them.
import { expect, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission, updateSubmission } from '../../src/core/submissions.js';
import { SyncEngine, type SyncEngineState } from '../../src/send/sync-engine.js';
import { queueDemoSubmission, testStores } from '../support/fixtures.js';
import { before, afterEach, beforeEach, describe, it } from '../support/mocha.js';
import { enrollThisBrowser } from '../support/enroll.js';

let seed = 13000;
const queue = (s: Stores): Promise<string> => queueDemoSubmission(s, seed++);

/** Resolves with the first state the engine reports that passes the check. */
function stateWhere(engine: SyncEngine, check: (s: SyncEngineState) => boolean): Promise<SyncEngineState> {
  if (check(engine.state)) return Promise.resolve(engine.state);
  return new Promise((resolve) => {
    const on = (e: Event) => {
      const state = (e as CustomEvent<SyncEngineState>).detail;
      if (!check(state)) return;
      engine.removeEventListener('change', on);
      resolve(state);
    };
    engine.addEventListener('change', on);
  });
}

before(async () => {
  await enrollThisBrowser();
});

describe('the sync engine', () => {
  let engine: SyncEngine | undefined;
  beforeEach(async () => {
    await executeServerCommand('api-fault', {});
  });
  afterEach(async () => {
    engine?.stop();
    await executeServerCommand('api-fault', {});
  });

  it('sends at start-up, whatever backoff an earlier session left', async () => {
    const s = testStores();
    const id = await queue(s);
    await updateSubmission(id, (r) => ({ ...r, attempts: 9, nextAttemptAt: Date.now() + 600_000 }), s);
    engine = new SyncEngine({ stores: s });
    await engine.start(null);
    expect(engine.state.path?.kind).to.equal('page');
    await stateWhere(engine, (st) => !st.sender.running && st.sender.lastRunAt !== null);
    expect((await getSubmission(id, s))?.status).to.equal('sent');
  });

  it('lets a download wait until the outbox has been sent, though it heard `online` before the sender', async () => {
    const s = testStores();
    const ids = [await queue(s), await queue(s)];
    engine = new SyncEngine({ stores: s });
    // Listening before the engine starts, as the app shell does: its listener runs first.
    let after: Promise<(string | undefined)[]> | undefined;
    const onOnline = () => {
      const running = engine?.afterSending();
      after = running?.then(() => Promise.all(ids.map(async (id) => (await getSubmission(id, s))?.status)));
    };
    addEventListener('online', onOnline, { once: true });
    await engine.start(null);
    await stateWhere(engine, (st) => !st.sender.running);
    for (const id of ids) await updateSubmission(id, (r) => ({ ...r, status: 'queued', receipt: null }), s);
    dispatchEvent(new Event('online'));
    expect(await after).to.deep.equal(['sent', 'sent']);
  });

  it('checks a silent server every few seconds and sends as soon as it answers, not at the backoff', async () => {
    const s = testStores();
    const id = await queue(s);
    await executeServerCommand('api-fault', { down: true });
    engine = new SyncEngine({ stores: s, checkEveryMs: 500 });
    await engine.start(null);
    const watching = await stateWhere(engine, (st) => st.nextCheckAt !== null);
    expect(watching.sender.unreachable).to.equal(true);
    // The backoff alone would wait ten minutes.
    await updateSubmission(id, (r) => ({ ...r, nextAttemptAt: Date.now() + 600_000 }), s);
    // Checks fail while the server stays silent, and keep coming.
    await oneEvent(engine, 'change');
    await stateWhere(engine, (st) => st.nextCheckAt !== null && st.nextCheckAt > watching.nextCheckAt!);

    await executeServerCommand('api-fault', {});
    await waitUntil(
      async () => (await getSubmission(id, s))?.status === 'sent',
      'sent once the server answers',
      {
        timeout: 15_000,
      },
    );
    await stateWhere(engine, (st) => st.nextCheckAt === null && !st.sender.running);
  });

  it('leaves a server that answered with an error to the backoff, without checks', async () => {
    const s = testStores();
    const id = await queue(s);
    await executeServerCommand('api-fault', { status: 503, count: 1 });
    engine = new SyncEngine({ stores: s, checkEveryMs: 500 });
    await engine.start(null);
    const after = await stateWhere(engine, (st) => !st.sender.running && st.sender.lastRunAt !== null);
    expect(after.sender.unreachable).to.equal(false);
    expect(after.nextCheckAt).to.equal(null);
    expect((await getSubmission(id, s))?.status).to.equal('queued');
  });

  it('sends a submission saved while the app is open', async () => {
    const s = testStores();
    engine = new SyncEngine({ stores: s });
    await engine.start(null);
    await stateWhere(engine, (st) => !st.sender.running && st.sender.lastRunAt !== null);
    const id = await queue(s);
    engine.submissionSaved(id);
    await waitUntil(async () => (await getSubmission(id, s))?.status === 'sent', 'sent after saving', {
      timeout: 15_000,
    });
  });
});
