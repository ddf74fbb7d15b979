/**
 * `npm run chaos`: chaos runs over several seeds, each printed so that it can
 * be repeated. Options: --seeds 1,2,3 (or --seed N), --submissions N per seed,
 * --kiosk to capture through kiosk mode on every seed (by default seeds 2, 5,
 * 8… do; odd seeds use Background Sync). A supervisor's review screen watches
 * every run. Prints `lost, duplicated, corrupted, pending` and the review
 * screen's problems per seed and in total, and exits non-zero if any is not 0.
 */
import { parseArgs } from 'node:util';
import { describeReport, runChaos, type ChaosReport } from './chaos.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    seed: { type: 'string' },
    submissions: { type: 'string', default: '200' },
    verbose: { type: 'boolean', default: false },
    kiosk: { type: 'boolean', default: false },
  },
});
const seeds = (values.seed ?? values.seeds).split(',').map((s) => Number(s.trim()));
const submissions = Number(values.submissions);
if (seeds.some((s) => !Number.isInteger(s)) || !Number.isInteger(submissions) || submissions < 1) {
  console.error('Usage: npm run chaos -- [--seeds 1,2,3 | --seed N] [--submissions N] [--kiosk] [--verbose]');
  process.exit(2);
}

const reports: ChaosReport[] = [];
for (const seed of seeds) {
  console.info(`chaos: seed ${seed}, ${submissions} submissions…`);
  const report = await runChaos({
    seed,
    submissions,
    kiosk: values.kiosk || seed % 3 === 2,
    log: values.verbose ? (line) => console.info(`  ${line}`) : undefined,
  });
  reports.push(report);
  console.info(describeReport(report));
}
const sum = (k: 'captured' | 'lost' | 'duplicated' | 'corrupted' | 'pending' | 'extra' | 'reviewProblems') =>
  reports.reduce((n, r) => n + r[k], 0);
console.info(
  `chaos total over seeds ${seeds.join(', ')}: ${sum('captured')} captured; lost ${sum('lost')}, ` +
    `duplicated ${sum('duplicated')}, corrupted ${sum('corrupted')}, pending ${sum('pending')}, extra ${sum('extra')}; ` +
    `review screen problems ${sum('reviewProblems')}`,
);
const failed =
  sum('lost') + sum('duplicated') + sum('corrupted') + sum('pending') + sum('extra') + sum('reviewProblems');
process.exit(failed === 0 ? 0 : 1);
