import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { waitUntil } from '../support/wait-until.js';
import { executeServerCommand } from '@web/test-runner-commands';
import type { FieldDef } from '../../shared/forms.js';
import type { GeoPoint } from '../../shared/submission.js';
import type { AnswerChangeDetail } from '../../src/elements/fs-field.js';
import type { FsLocationField } from '../../src/elements/fs-location-field.js';
import '../../src/elements/fs-location-field.js';
import { button, byLabel, hasButton, visibleText } from './form-support.js';
import { describe, it } from '../support/mocha.js';

const FIELD: FieldDef = { name: 'where', type: 'geopoint', label: 'Where', hint: 'Stand beside the pump.' };

function permission(state: 'granted' | 'denied' | 'prompt'): Promise<unknown> {
  return executeServerCommand('set-geolocation-permission', { state });
}

function position(latitude: number, longitude: number, accuracy: number): Promise<unknown> {
  return executeServerCommand('set-geolocation', { latitude, longitude, accuracy });
}

async function field(def: FieldDef = FIELD, value?: GeoPoint): Promise<FsLocationField> {
  return fixture<FsLocationField>(
    html`<fs-location-field .field=${def} .value=${value}></fs-location-field>`,
  );
}

function nextAnswer(el: Element): Promise<AnswerChangeDetail> {
  return (oneEvent(el, 'answer-change') as Promise<CustomEvent<AnswerChangeDetail>>).then((e) => e.detail);
}

describe('fs-location-field', () => {
  it('takes a fix within the accuracy threshold at once and shows it', async () => {
    await permission('granted');
    await position(-0.15259, 34.47897, 12);
    const el = await field();
    expect(byLabel(el, 'Where').getAttribute('aria-describedby')).to.equal('hint');

    const answered = nextAnswer(el);
    button(el, 'Record location').click();
    const { name, value, commit } = await answered;
    expect([name, commit]).to.deep.equal(['where', true]);
    const point = value as GeoPoint;
    expect(point).to.include({ lat: -0.15259, lon: 34.47897, accuracy: 12 });
    expect(Math.abs(Date.now() - Date.parse(point.time))).to.be.below(60_000);
    expect(point.time).to.equal(new Date(point.time).toISOString());

    await el.updateComplete;
    const text = visibleText(el);
    expect(text).to.include('-0.15259, 34.47897');
    expect(text).to.include('±12 m');
    expect(el.geo.watching).to.equal(false);
    expect(hasButton(el, 'Record again')).to.equal(true);
    expect(hasButton(el, 'Clear')).to.equal(true);
  });

  it('asks about a poor fix, and takes a better one as soon as it comes', async () => {
    await permission('granted');
    await position(-0.3, 34.7, 120);
    const el = await field();
    const fixed = oneEvent(el, 'location-fix');
    button(el, 'Record location').click();
    await fixed;
    await el.updateComplete;
    expect(visibleText(el)).to.include(
      'Accuracy ±120 m is worse than 50 m. Wait for a better fix or use this one.',
    );
    expect(hasButton(el, 'Use this location')).to.equal(true);

    button(el, 'Keep waiting').click();
    await el.updateComplete;
    expect(visibleText(el)).to.include('Waiting for a better fix: now ±120 m.');
    expect(el.geo.watching).to.equal(true);

    const answered = nextAnswer(el);
    await position(-0.30001, 34.70001, 9);
    expect((await answered).value).to.include({ lat: -0.30001, lon: 34.70001, accuracy: 9 });
    expect(el.geo.watching).to.equal(false);
  });

  it('uses a poor fix when the user chooses it', async () => {
    await permission('granted');
    await position(-0.3, 34.7, 120);
    const el = await field();
    const fixed = oneEvent(el, 'location-fix');
    button(el, 'Record location').click();
    await fixed;
    await el.updateComplete;
    const answered = nextAnswer(el);
    button(el, 'Use this location').click();
    expect((await answered).value).to.include({ accuracy: 120 });
    await el.updateComplete;
    expect(visibleText(el)).to.include('±120 m');
  });

  it("follows the question's own accuracy threshold", async () => {
    await permission('granted');
    await position(-0.3, 34.7, 120);
    const el = await field({ ...FIELD, accuracyThreshold: 150 });
    const answered = nextAnswer(el);
    button(el, 'Record location').click();
    expect((await answered).value).to.include({ accuracy: 120 });
  });

  it('explains how to allow location when permission is denied', async () => {
    await permission('denied');
    const el = await field();
    button(el, 'Record location').click();
    await waitUntil(() => el.geo.failure !== null, 'no failure reported');
    await el.updateComplete;
    expect(visibleText(el)).to.include(
      "Location permission is denied. Allow location for this site in the browser's settings (the icon by the address), then try again.",
    );
    expect(hasButton(el, 'Try again')).to.equal(true);
  });

  it('says when no position can be found, and tries again', async () => {
    await permission('granted');
    await executeServerCommand('clear-geolocation');
    const el = await field();
    button(el, 'Record location').click();
    await waitUntil(() => el.geo.failure !== null, 'no failure reported');
    await el.updateComplete;
    expect(visibleText(el)).to.include(
      'Your location could not be found. Check that location (GPS) is turned on',
    );

    await position(1, 2, 5);
    const answered = nextAnswer(el);
    button(el, 'Try again').click();
    expect((await answered).value).to.include({ lat: 1, lon: 2 });
  });

  it('clears a recorded location', async () => {
    const el = await field(FIELD, { lat: 1, lon: 2, accuracy: 3, time: new Date().toISOString() });
    expect(visibleText(el)).to.include('1.00000, 2.00000');
    const answered = nextAnswer(el);
    button(el, 'Clear').click();
    expect((await answered).value).to.equal(undefined);
    await el.updateComplete;
    expect(hasButton(el, 'Record location')).to.equal(true);
  });

  it('stops watching the GPS when it leaves the page', async () => {
    await permission('granted');
    await position(-0.3, 34.7, 120);
    const el = await field();
    const geolocation = navigator.geolocation;
    const cleared: number[] = [];
    const clearWatch = geolocation.clearWatch.bind(geolocation);
    geolocation.clearWatch = (id: number) => {
      cleared.push(id);
      clearWatch(id);
    };
    try {
      const fixed = oneEvent(el, 'location-fix');
      button(el, 'Record location').click();
      await fixed;
      expect(el.geo.watching).to.equal(true);
      el.remove();
      expect(el.geo.watching).to.equal(false);
      expect(cleared).to.have.length(1);
    } finally {
      delete (geolocation as Partial<Geolocation>).clearWatch;
    }
  });

  it('shows its message and marks itself invalid', async () => {
    const el = await fixture<FsLocationField>(
      html`<fs-location-field .field=${FIELD} .message=${'Record the location.'}></fs-location-field>`,
    );
    const group = byLabel(el, 'Where');
    expect(group.getAttribute('aria-invalid')).to.equal('true');
    expect(group.getAttribute('aria-describedby')).to.equal('hint message');
    expect(visibleText(el)).to.include('Record the location.');
  });
});
