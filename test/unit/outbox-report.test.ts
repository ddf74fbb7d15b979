// A device tells the server what it still holds unsent: counted from the real outbox, read back as a supervisor.
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { MAX_REPORTED_ITEMS, type DeviceOutboxList } from '../../shared/live.js';
import type { StoredSubmission } from '../../shared/outbox.js';
import {
  forgetLastReport,
  outboxReport,
  reportOutbox,
  reportOutboxSoon,
} from '../../src/core/outbox-report.js';
import { sendSubmission } from '../../src/core/sender.js';
import { getSubmission } from '../../src/core/submissions.js';
import { enrollThisBrowser } from '../support/enroll.js';
import { queueDemoSubmission, testStores } from '../support/fixtures.js';
import { before, describe, it } from '../support/mocha.js';

let deviceId: string;

before(async () => {
  await executeServerCommand('api-fault', {});
  deviceId = (await enrollThisBrowser()).id;
});

/** This browser's report as the server holds it, read by its administrator. */
async function held() {
  const list = (await executeServerCommand<DeviceOutboxList, null>('server-outboxes', null))!;
  return list.devices.find((d) => d.deviceId === deviceId);
}

/** Counts the requests the page makes to the server. */
function counting(): { fetcher: typeof fetch; count: () => number } {
  let n = 0;
  return {
    fetcher: (input, init) => {
      n++;
      return fetch(input, init);
    },
    count: () => n,
  };
}

describe('outbox reports', () => {
  it('counts every submission not yet sent, oldest first, with only form, time and place', async () => {
    const s = testStores();
    forgetLastReport();
    const ids = [await queueDemoSubmission(s, 501), await queueDemoSubmission(s, 502)];
    const sent = await queueDemoSubmission(s, 503);
    expect((await sendSubmission(sent, { stores: s })).kind).to.equal('sent');

    expect(await reportOutbox({ stores: s })).to.equal(true);
    const report = (await held())!;
    expect(report.waiting).to.equal(2);
    const records = await Promise.all(ids.map((id) => getSubmission(id, s)));
    const byTime = records
      .map((r) => r!.payload)
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    expect(report.oldestCapturedAt).to.equal(byTime[0]!.createdAt);
    expect(report.items).to.deep.equal(
      byTime.map((p) => ({
        formId: p.formId,
        capturedAt: p.createdAt,
        location: p.location && { latitude: p.location.lat, longitude: p.location.lon },
      })),
    );
    // Nothing of the answers travels.
    expect(JSON.stringify(report)).not.to.contain(JSON.stringify(records[0]!.payload.answers).slice(1, 20));
  });

  it('sends a report once while nothing changes, and a changed one at once', async () => {
    const s = testStores();
    forgetLastReport();
    await queueDemoSubmission(s, 511);
    const { fetcher, count } = counting();
    expect(await reportOutbox({ stores: s, fetcher })).to.equal(true);
    expect(await reportOutbox({ stores: s, fetcher })).to.equal(true);
    expect(count()).to.equal(1);
    await queueDemoSubmission(s, 512);
    expect(await reportOutbox({ stores: s, fetcher })).to.equal(true);
    expect(count()).to.equal(2);
    expect((await held())!.waiting).to.equal(2);
  });

  it('spaces changed reports while some still wait, but always says when none does', async () => {
    const s = testStores();
    forgetLastReport();
    const first = await queueDemoSubmission(s, 521);
    const second = await queueDemoSubmission(s, 522);
    const { fetcher, count } = counting();
    expect(await reportOutbox({ stores: s, fetcher, minIntervalMs: 60_000 })).to.equal(true);
    expect((await sendSubmission(first, { stores: s })).kind).to.equal('sent');
    // One still waits, and the last report is a moment old: not sent now.
    expect(await reportOutbox({ stores: s, fetcher, minIntervalMs: 60_000 })).to.equal(false);
    expect((await sendSubmission(second, { stores: s })).kind).to.equal('sent');
    expect(await reportOutbox({ stores: s, fetcher, minIntervalMs: 60_000 })).to.equal(true);
    expect(count()).to.equal(2);
    const report = (await held())!;
    expect(report.waiting).to.equal(0);
    expect(report.oldestCapturedAt).to.equal(null);
  });

  it('gathers the calls of a burst into one report, read after the last of them', async () => {
    const s = testStores();
    forgetLastReport();
    await queueDemoSubmission(s, 531);
    const { fetcher, count } = counting();
    // As sync events ending together call it: the second after the outbox changed again.
    const first = reportOutboxSoon({ stores: s, fetcher }, 300);
    await queueDemoSubmission(s, 532);
    const second = reportOutboxSoon({ stores: s, fetcher }, 300);
    expect(await Promise.all([first, second])).to.deep.equal([true, true]);
    expect(count()).to.equal(1);
    expect((await held())!.waiting).to.equal(2);
    // A call after that report was read gets a report of its own.
    await queueDemoSubmission(s, 533);
    expect(await reportOutboxSoon({ stores: s, fetcher }, 0)).to.equal(true);
    expect(count()).to.equal(2);
    expect((await held())!.waiting).to.equal(3);
  });

  it('lists at most the first 500 of a long outbox, and counts them all', () => {
    const record = (i: number): StoredSubmission =>
      ({
        status: i % 7 === 0 ? 'sent' : i % 3 === 0 ? 'rejected' : 'queued',
        payload: {
          formId: 'water-point-inspection',
          createdAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
          location: null,
        },
      }) as StoredSubmission;
    const records = Array.from({ length: 800 }, (_, i) => record(799 - i));
    const report = outboxReport(records, new Date());
    const unsent = records.filter((r) => r.status !== 'sent').length;
    expect(report.waiting).to.equal(unsent);
    expect(report.items.length).to.equal(MAX_REPORTED_ITEMS);
    expect(report.oldestCapturedAt).to.equal('2026-11-01T00:01:00.000Z');
    expect(report.items[0]!.capturedAt).to.equal(report.oldestCapturedAt);
  });
});
