/**
 * The waiting room of a bucket store's uploads: a temp dir of its own,
 * removed on close. A server that crashes (killed, out of memory, the
 * machine reset) cannot remove it, and each upload it held may be a
 * full-size photo; so opening a store first removes the spools of stores
 * whose process has ended. Nothing in a spool is needed after its process:
 * a photo counts as stored only once it is in the bucket, and a device
 * keeps its own copy until then.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const PREFIX = 'fieldsync-uploads-';
/** fieldsync-uploads-<pid>-<process start, base 36>-<mkdtemp's 6 characters>. */
const SPOOL_NAME = /^fieldsync-uploads-(\d+)-([0-9a-z]+)-[A-Za-z0-9]{6}$/;

/** This process, told apart from an earlier one given the same pid (a restarted container's pid 1). */
const STARTED = Math.round(performance.timeOrigin).toString(36);

/** Whether a process with this pid runs now: signal 0 only checks. EPERM means it runs as someone else. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the spool named so belongs to a process that has ended; false for names it does not know. */
function spoolOwnerEnded(name: string): boolean {
  const match = SPOOL_NAME.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return match[2] !== STARTED;
  return !running(pid);
}

/**
 * Removes the spools in parent left by processes that have ended, then
 * makes this store's own. A spool parent is one machine's: the pids in the
 * names mean nothing to another. Names of an older form are left alone.
 */
export async function openSpool(parent: string): Promise<string> {
  const names = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(PREFIX) && spoolOwnerEnded(name))
      // Another store opening at the same moment may be removing it too.
      .map((name) => rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined)),
  );
  return mkdtemp(join(parent, `${PREFIX}${process.pid}-${STARTED}-`));
}
