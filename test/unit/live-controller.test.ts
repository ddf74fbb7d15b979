// The review screen's live stream never outlives the screen, whatever the controller was doing when it left.
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { LitElement } from 'lit';
import { LiveController } from '../../src/review/live-controller.js';
import { afterEach, describe, it } from '../support/mocha.js';

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

describe('LiveController', () => {
  it('opens no new stream for a screen that left while it asked whether the reviewer is still signed in', async () => {
    const opened: string[] = [];
    window.EventSource = class extends RealEventSource {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        opened.push(String(url));
      }
    };
    // Every stream refused, as a proxy's error page does: the controller asks, then tries again later.
    await executeServerCommand('api-fault', { status: 503, count: 1000, statusPath: '/api/review/live' });
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
    expect(opened.length).to.equal(1);

    el.remove();
    answer(true);
    await executeServerCommand('api-fault', {});
    // Longer than the controller's first wait before a new stream (1 s): none may open.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(opened.length).to.equal(1, 'a stream opened for a screen no longer shown');
  });
});
