// Runs lanes of npm scripts at the same time and fails if any fails. A lane
// is one script, or several joined by commas, run one after another (the
// next only if the one before passed): `test:server:sqlite,test:chaos`.
// The server suite's two passes (SQLite, and PostgreSQL with a bucket) and
// the browser suites each spend much of their time waiting (on their own
// stores, on the browser, on servers killed and restarted), so on two cores
// they take little longer together than the longest alone; lanes that end
// early take more work, so that both cores stay busy to the end. (`npm
// test`'s checks and builds run in two lanes too: lint in one, the type
// check with the builds in the other.) Each
// lane's output is printed whole once it ends, so they never interleave; a
// failed one's is held back and printed after all the others, with a
// closing line naming it, so the end of a long CI log shows what failed.
import { spawn } from 'node:child_process';

const lanes = process.argv.slice(2);
if (lanes.length === 0 || lanes.some((l) => l.split(',').some((s) => s === ''))) {
  console.error('Usage: node test/support/run-together.js <npm script>[,<npm script>...]...');
  process.exit(2);
}

/** Runs a lane's scripts in order, stopping at the first that fails; its result is the last one run. */
async function runLane(lane) {
  let result = null;
  for (const script of lane.split(',')) {
    result = await run(script);
    if (result.failed) break;
    result.report();
  }
  return result;
}

function run(script) {
  return new Promise((resolve) => {
    const chunks = [];
    const started = Date.now();
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('close', (code, signal) => {
      const failed = code !== 0;
      const seconds = Math.round((Date.now() - started) / 1000);
      const report = () => {
        process.stdout.write(`\n=== npm run ${script} ===\n`);
        process.stdout.write(Buffer.concat(chunks));
        process.stdout.write(
          `\n=== npm run ${script}: ${failed ? `failed (${signal ?? `exit code ${code}`})` : 'passed'} in ${seconds} s ===\n`,
        );
      };
      resolve({ script, failed, report });
    });
  });
}

const results = await Promise.all(lanes.map(runLane));
const failed = results.filter((r) => r.failed);
for (const r of failed) r.report();
if (failed.length) console.error(`\nFailed: ${failed.map((r) => `npm run ${r.script}`).join(', ')}`);
process.exit(failed.length ? 1 : 0);
