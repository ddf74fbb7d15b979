/** Runs the real server entry point as a child process, as `npm start` would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { PROJECT_ROOT } from '../../server/paths.js';
import { freshStore, removeStore, storeEnv, TEST_HASH_COST, type TestStore } from './helpers.js';

export const SERVER_ENTRY = join(PROJECT_ROOT, 'dist', 'server', 'server', 'server.js');

/** What every server process here starts with, before the test's own variables. */
const TEST_SERVER_ENV = {
  PATH: process.env.PATH ?? '',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  PASSWORD_HASH_COST: String(TEST_HASH_COST),
};

export interface ServerProcess {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string | null>;
}

/**
 * Starts the server on a free loopback port (PORT=0) and resolves once it
 * prints the address to open. Rejects with its output if it exits first
 * or takes longer than a minute (a cap for a hung start on a busy machine).
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { ...TEST_SERVER_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The server did not start within a minute. Output:\n${out}`));
    }, 60_000);
    const onData = (): void => {
      const match = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({ child, url: match[1], output: () => out, exited });
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited (${String(code)}) before listening. Output:\n${out}`));
    });
  });
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export async function failedStart(
  env: Record<string, string>,
): Promise<{ code: number | string | null; output: string }> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { ...TEST_SERVER_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // As long as a start is given (above): a refusal comes within a second, but a busy machine can take far longer.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | string | null>((resolve) =>
    child.on('exit', (c, signal) => resolve(c ?? signal)),
  );
  clearTimeout(timer);
  return { code, output };
}

/** Waits for a state a process reaches on its own; the cap only stops a hung run. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Server processes on one fresh store, for the suite that calls it: start()
 * runs one more on it; after the suite, those still running are killed and
 * the store removed. Their temp dir (tmpDir(), where a bucket store's
 * uploads wait) is in the store, so what a killed one leaves goes with it.
 */
export function serversOnFreshStore(label: string): {
  store: () => TestStore;
  tmpDir: () => string;
  start: () => Promise<ServerProcess>;
} {
  let store: TestStore | null = null;
  const running: ServerProcess[] = [];
  before(async () => {
    store = await freshStore(label);
  });
  after(async () => {
    for (const p of running) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
    if (store) await removeStore(store);
  });
  const current = (): TestStore => {
    if (!store) throw new Error("The store is made before the suite's first test.");
    return store;
  };
  const tmpDir = (): string => join(current().dataDir, 'tmp');
  return {
    store: current,
    tmpDir,
    async start() {
      const { dataDir } = current();
      mkdirSync(tmpDir(), { recursive: true });
      const p = await startServerProcess({
        ...storeEnv(current()),
        APP_DIR: join(dataDir, 'no-app'),
        TMPDIR: tmpDir(),
      });
      running.push(p);
      return p;
    },
  };
}
