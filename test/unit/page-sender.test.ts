import { expect } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import type { Stores } from '../../src/core/stores.js';
import { getSubmission } from '../../src/core/submissions.js';
import { PageSender } from '../../src/send/page-sender.js';
import { queueDemoSubmission, testStores } from '../support/fixtures.js';
import { before, afterEach, beforeEach, describe, it } from '../support/mocha.js';
import { enrollThisBrowser } from '../support/enroll.js';

let seed = 9000;
const queue = (s: Stores): Promise<string> => queueDemoSubmission(s, seed++);

before(async () => {
  await enrollThisBrowser();
});

describe('sending from the page', () => {
  let sender: PageSender | undefined;
  beforeEach(async () => {
    await executeServerCommand('api-fault', {});
  });
  afterEach(async () => {
    sender?.stop();
    await executeServerCommand('api-fault', {});
  });

  it('sends what is queued at start-up', async () => {
    const s = testStores();
    const id = await queue(s);
    sender = new PageSender({ stores: s });
    sender.start();
    await waitUntil(async () => (await getSubmission(id, s))?.status === 'sent', 'sent at start-up', {
      timeout: 10000,
    });
  });

  it('tries again at once when the browser comes back online, whatever the backoff', async () => {
    const s = testStores();
    const id = await queue(s);
    await executeServerCommand('api-fault', { down: true });
    sender = new PageSender({ stores: s });
    sender.start();
    await waitUntil(async () => (await getSubmission(id, s))?.attempts === 1, 'the first attempt failed');
    // The run ends after the failure is stored: its timer is set then.
    await waitUntil(() => !sender!.state.running, 'the run over');
    expect(sender.state.nextAttemptAt).to.be.greaterThan(Date.now());

    await executeServerCommand('api-fault', {});
    dispatchEvent(new Event('online'));
    await waitUntil(async () => (await getSubmission(id, s))?.status === 'sent', 'sent when online', {
      timeout: 10000,
    });
  });

  it('runs once more when asked during a run, so a submission saved meanwhile is not left behind', async () => {
    const s = testStores();
    const first = await queue(s);
    sender = new PageSender({ stores: s });
    const running = sender.run();
    const second = await queue(s);
    void sender.run();
    await running;
    await waitUntil(
      async () => (await getSubmission(second, s))?.status === 'sent',
      'the later one sent too',
      {
        timeout: 10000,
      },
    );
    expect((await getSubmission(first, s))?.status).to.equal('sent');
  });

  it('reports its progress as it goes', async () => {
    const s = testStores();
    await queue(s);
    await queue(s);
    sender = new PageSender({ stores: s });
    const seen: string[] = [];
    sender.addEventListener('change', () => {
      const st = sender!.state;
      if (st.running && st.total) seen.push(`${st.index}/${st.total}`);
    });
    await sender.run();
    expect(seen).to.include('1/2').and.include('2/2');
    expect(sender.state.running).to.equal(false);
    expect(sender.state.nextAttemptAt).to.equal(null);
  });
});
