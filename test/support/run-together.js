// Runs npm scripts at the same time and fails if any fails: the server
// suite's two passes (SQLite, and PostgreSQL with a bucket) and the
// component tests in Chromium each spend much of their time waiting (on
// their own stores, on the browser), so on two cores they take little
// longer together than the longest alone. Each one's output is printed
// whole once it ends, so they never interleave.
import { spawn } from 'node:child_process';

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('Usage: node test/support/run-together.js <npm script>...');
  process.exit(2);
}

function run(script) {
  return new Promise((resolve) => {
    const chunks = [];
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('close', (code, signal) => {
      process.stdout.write(`\n=== npm run ${script} ===\n`);
      process.stdout.write(Buffer.concat(chunks));
      const failed = code !== 0;
      process.stdout.write(
        `\n=== npm run ${script}: ${failed ? `failed (${signal ?? `exit code ${code}`})` : 'passed'} ===\n`,
      );
      resolve(!failed);
    });
  });
}

const passed = await Promise.all(scripts.map(run));
process.exit(passed.every(Boolean) ? 0 : 1);
