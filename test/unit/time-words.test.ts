import { expect } from '@open-wc/testing';
import { age, ago, clockTime, grouped, numericTime } from '../../src/time-words.js';
import { describe, it } from '../support/mocha.js';

const NOW = Date.parse('2026-06-10T12:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('time words', () => {
  it('says how long ago, in the words Intl would use', () => {
    expect(ago(at(-20_000), NOW)).to.equal('just now');
    expect(ago(at(-MIN), NOW)).to.equal('1 minute ago');
    expect(ago(at(-5 * MIN), NOW)).to.equal('5 minutes ago');
    expect(ago(at(-3 * HOUR), NOW)).to.equal('3 hours ago');
    expect(ago(at(-DAY), NOW)).to.equal('yesterday');
    expect(ago(at(-4 * DAY), NOW)).to.equal('4 days ago');
    expect(ago(at(2 * HOUR), NOW)).to.equal('in 2 hours');
    expect(ago(at(DAY), NOW)).to.equal('tomorrow');
    const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
    expect(ago(at(-7 * MIN), NOW)).to.equal(rtf.format(-7, 'minute'));
    expect(ago(at(-2 * DAY), NOW)).to.equal(rtf.format(-2, 'day'));
  });

  it('says how old, in whole units', () => {
    expect(age(at(-30_000), NOW)).to.equal('under a minute');
    expect(age(at(-HOUR - 10 * MIN), NOW)).to.equal('1 hour');
    expect(age(at(-2 * DAY - HOUR), NOW)).to.equal('2 days');
  });

  it('writes times and counts as the device reads them', () => {
    const d = new Date(2025, 5, 1, 14, 5);
    expect(clockTime(d.toISOString())).to.equal('14:05');
    expect(numericTime(d.toISOString())).to.equal('2025-06-01 14:05');
    expect(grouped(7)).to.equal('7');
    expect(grouped(20_000)).to.equal('20,000');
    expect(grouped(1_234_567)).to.equal((1_234_567).toLocaleString('en'));
  });
});
