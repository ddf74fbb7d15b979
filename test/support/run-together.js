// Runs npm scripts at the same time and fails if any fails: the server
// suite's two passes (SQLite, and PostgreSQL with a bucket) and the browser
// suites (component tests, then end-to-end, one browser job at a time) each
// spend much of their time waiting (on their own stores, on the browser, on
// servers killed and restarted), so on two cores they take little longer
// together than the longest alone. Each one's output is printed
// whole once it ends, so they never interleave; a failed one's is held back
// and printed after all the others, with a closing line naming it, so the
// end of a long CI log shows what failed.
import { spawn } from 'node:child_process';

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('Usage: node test/support/run-together.js <npm script>...');
  process.exit(2);
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
      if (!failed) report();
      resolve({ script, failed, report });
    });
  });
}

const results = await Promise.all(scripts.map(run));
const failed = results.filter((r) => r.failed);
for (const r of failed) r.report();
if (failed.length) console.error(`\nFailed: ${failed.map((r) => `npm run ${r.script}`).join(', ')}`);
process.exit(failed.length ? 1 : 0);
