/**
 * A throwaway PostgreSQL cluster for the server tests: Debian's binaries,
 * a temp dir, a free loopback port, trust authentication. PostgreSQL
 * refuses to run as root, so as root (CI) it runs as the postgres user the
 * Debian package creates, owning the temp dir.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const PG_ROOT = '/usr/lib/postgresql';
const USER = 'fieldsync';

export interface Cluster {
  /** postgres://… of the cluster's maintenance database, for CREATE and DROP DATABASE. */
  adminUrl: string;
  stop(): void;
}

/** PG_BIN, else the bin dir of the newest version installed by Debian's postgresql package. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error(`No PostgreSQL under ${PG_ROOT}: apt-get install postgresql, or set PG_BIN.`);
  return join(PG_ROOT, versions[0], 'bin');
}

/** Runs a PostgreSQL binary, as the postgres user when we are root; throws with its output on failure. */
function run(bin: string, args: string[]): void {
  const [cmd, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(
      `${bin} ${args.join(' ')} failed (${String(result.status)}):\n${result.stdout}${result.stderr}`,
    );
}

export interface ClusterOptions {
  /**
   * False: fsync off, so commits skip the flush to disk. For a cluster that
   * a power cut would take whole anyway (the test suites'), where it makes
   * each commit far cheaper. True (the default): PostgreSQL's own settings.
   */
  durable?: boolean;
}

/** Initialises and starts a cluster; stop() ends it and removes its files. */
export async function startCluster({ durable = true }: ClusterOptions = {}): Promise<Cluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-pg-'));
  if (process.getuid?.() === 0) {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    // --no-sync only skips flushing the fresh template files; fsync is the server's own setting, below.
    run(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      USER,
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}${durable ? '' : ' -c fsync=off'}`;
    run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    adminUrl: `postgres://${USER}@127.0.0.1:${port}/postgres`,
    stop() {
      // Immediate: the files are removed next, nothing needs a clean shutdown.
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
