/**
 * The chaos run in small: a few submissions on each sending path and at a
 * kiosk, with every kind of fault, server and browser kills included, and a
 * supervisor's review screen watching live. `npm run chaos` runs the large
 * version over many seeds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeReport, runChaos } from './chaos.js';

describe('chaos', () => {
  // Seeds whose schedules kill the server and Chromium within these few captures, on each path.
  for (const [seed, backgroundSync, kiosk] of [
    [114, false, false],
    [108, true, false],
    [104, true, true],
  ] as const) {
    it(`loses, duplicates and corrupts nothing, leaves nothing unsent, and the review screen shows each once (seed ${seed}, ${kiosk ? 'kiosk, ' : ''}${backgroundSync ? 'Background Sync' : 'page'} path)`, async () => {
      const report = await runChaos({
        seed,
        submissions: 12,
        backgroundSync,
        kiosk,
        serverKillRate: 0.2,
        browserKillRate: 0.15,
        // Denser than the long runs' rates, so that every kind of fault happens in a few submissions.
        rates: { reset: 0.12, drop: 0.12, cut: 0.12, flip: 0.35, burst: 0.03, latency: 0.2 },
      });
      console.info(describeReport(report));
      assert.ok(
        report.serverKills > 0 && report.browserKills > 0,
        'the schedule killed the server and the browser',
      );
      // Which faults a request meets depends on how many requests the app makes, which timing varies.
      const injected = Object.values(report.faults).reduce((a, b) => a + b, 0);
      assert.ok(injected >= 10, `faults were injected: ${JSON.stringify(report.faults)}`);
      assert.deepEqual(
        {
          lost: report.lost,
          duplicated: report.duplicated,
          corrupted: report.corrupted,
          pending: report.pending,
          extra: report.extra,
          reviewProblems: report.reviewProblems,
        },
        { lost: 0, duplicated: 0, corrupted: 0, pending: 0, extra: 0, reviewProblems: 0 },
        report.problems.join('\n'),
      );
    });
  }
});
