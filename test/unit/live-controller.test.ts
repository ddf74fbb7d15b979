// The review screen's live stream never outlives the screen, whatever the controller was doing when it left.
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { LitElement } from 'lit';
import { LiveController } from '../../src/review/live-controller.js';
import { signOut } from '../../src/accounts/accounts-api.js';
import { afterEach, describe, it } from '../support/mocha.js';
import { signedInAs, type Credentials } from '../support/signed-in.js';
import { waitUntil } from '../support/wait-until.js';

/** A host with nothing but the controller; how "still signed in?" is answered is up to the test. */
class LiveHost extends LitElement {
  stillSignedIn: () => Promise<boolean> = () => Promise.resolve(true);
  readonly live = new LiveController(
    this,
    {
      started: () => undefined,
      submission: () => undefined,
      review: () => undefined,
      outbox: () => undefined,
      reset: () => undefined,
    },
    () => this.stillSignedIn(),
  );
}
customElements.define('live-host-test', LiveHost);

const RealEventSource = window.EventSource;

afterEach(async () => {
  window.EventSource = RealEventSource;
  await executeServerCommand('api-fault', {});
});

/** Counts the streams the page opens from now on (real ones, to the real server). */
function countStreams(): string[] {
  const opened: string[] = [];
  window.EventSource = class extends RealEventSource {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      opened.push(String(url));
    }
  };
  return opened;
}

/**
 * A host following every submission whose first stream the server refuses
 * (`refusals` of them), held while it asks whether the reviewer is still
 * signed in: answer() gives the reply.
 */
async function heldAtTheQuestion(
  refusals: number,
): Promise<{ el: LiveHost; answer: (signedIn: boolean) => void }> {
  // Refused as a proxy's error page would: the controller asks, then tries again later.
  await executeServerCommand('api-fault', { status: 503, count: refusals, statusPath: '/api/review/live' });
  const el = await fixture<LiveHost>(html`<live-host-test></live-host-test>`);
  let answer: (signedIn: boolean) => void = () => undefined;
  const asked = new Promise<void>((resolve) => {
    el.stillSignedIn = () => {
      resolve();
      return new Promise<boolean>((r) => (answer = r));
    };
  });
  el.live.follow({});
  await asked;
  return { el, answer: (signedIn) => answer(signedIn) };
}

/** Longer than the controller's first wait before a new stream (1 s). */
const pastFirstRetry = () => new Promise((resolve) => setTimeout(resolve, 2_500));

describe('LiveController', () => {
  it('opens no new stream for a screen that left while it asked whether the reviewer is still signed in', async () => {
    const opened = countStreams();
    const { el, answer } = await heldAtTheQuestion(1000);
    expect(opened.length).to.equal(1);

    el.remove();
    answer(true);
    await executeServerCommand('api-fault', {});
    await pastFirstRetry();
    expect(opened.length).to.equal(1, 'a stream opened for a screen no longer shown');
  });

  it('keeps the stream a new filter opened while it asked whether the reviewer is still signed in', async () => {
    const admin = (await executeServerCommand<Credentials, null>('admin-credentials', null))!;
    await signedInAs(admin);
    const opened = countStreams();
    const { el, answer } = await heldAtTheQuestion(1);
    el.live.follow({ states: ['approved'] });
    await waitUntil(() => el.live.status === 'live', 'the new filter live');
    answer(true);
    await pastFirstRetry();
    expect(opened.length).to.equal(2, 'the live stream was replaced');
    expect(el.live.status).to.equal('live');
    await signOut();
  });
});
