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
//
// A lane may end with `@<directory>`: the test files there (*.test.js), run
// one at a time with `node --test`, taken from one queue by every lane that
// names it, each lane taking the next file once it is free. Lanes that end
// early then share the last of the work, instead of one lane running it
// alone while a core waits.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const lanes = process.argv.slice(2);
const malformed = (lane) => {
  const steps = lane.split(',');
  return steps.some((s, i) => s === '' || (s.startsWith('@') && (s === '@' || i !== steps.length - 1)));
};
if (lanes.length === 0 || lanes.some(malformed)) {
  console.error(
    'Usage: node test/support/run-together.js <npm script>[,<npm script>...][,@<directory of test files>]...',
  );
  process.exit(2);
}

/** The files of each directory named, listed when the first lane reaches it (the builds made them by then). */
const queues = new Map();
function queueOf(dir) {
  if (!queues.has(dir)) {
    // Largest first, roughly the longest: the last files taken are then short ones.
    const names = existsSync(dir) ? readdirSync(dir) : [];
    const files = names
      .filter((f) => f.endsWith('.test.js'))
      .map((f) => ({ f, size: statSync(join(dir, f)).size }))
      .sort((a, b) => b.size - a.size || a.f.localeCompare(b.f))
      .map(({ f }) => f);
    if (files.length === 0) throw new Error(`No *.test.js in ${dir}: build them first (npm run build:node).`);
    queues.set(
      dir,
      files.map((f) => join(dir, f)),
    );
  }
  return queues.get(dir);
}

/** Runs a lane's steps in order, stopping at the first that fails; its result is the last one run. */
async function runLane(lane) {
  let result = null;
  for (const step of lane.split(',')) {
    if (step.startsWith('@')) {
      let queue;
      try {
        queue = queueOf(step.slice(1));
      } catch (err) {
        return { name: step, failed: true, report: () => console.error(`\n=== ${step}: ${err.message} ===`) };
      }
      for (let file = queue.shift(); file; file = queue.shift()) {
        result = await run(`node --test ${file}`, 'node', ['--test', file]);
        if (result.failed) return result;
        result.report();
      }
      continue;
    }
    result = await run(`npm run ${step}`, 'npm', ['run', '--silent', step]);
    if (result.failed) break;
    result.report();
  }
  return result;
}

function run(name, command, args) {
  return new Promise((resolve) => {
    const chunks = [];
    const started = Date.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('close', (code, signal) => {
      const failed = code !== 0;
      const seconds = Math.round((Date.now() - started) / 1000);
      const report = () => {
        process.stdout.write(`\n=== ${name} ===\n`);
        process.stdout.write(Buffer.concat(chunks));
        process.stdout.write(
          `\n=== ${name}: ${failed ? `failed (${signal ?? `exit code ${code}`})` : 'passed'} in ${seconds} s ===\n`,
        );
      };
      resolve({ name, failed, report });
    });
  });
}

const results = await Promise.all(lanes.map(runLane));
const failed = results.filter((r) => r?.failed);
for (const r of failed) r.report();
if (failed.length) console.error(`\nFailed: ${failed.map((r) => r.name).join(', ')}`);
process.exit(failed.length ? 1 : 0);
