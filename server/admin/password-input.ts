/**
 * Reads a password for the admin command: typed at a terminal without
 * echo (asked twice), or the first line of standard input when it is not a
 * terminal, so that a script, or a test, can pipe it in.
 */
import type { ReadStream } from 'node:tty';

/** Reads one line at the terminal with nothing shown; Ctrl-C or Ctrl-D ends the command. */
function readHidden(prompt: string): Promise<string> {
  const input = process.stdin as ReadStream;
  process.stdout.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (finish: () => void): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stdout.write('\n');
      finish();
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(() => resolve(typed));
        if (char === '\u0003' || char === '\u0004') return done(() => reject(new Error('Cancelled.')));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}

/** The first line of standard input, without its line ending. */
async function readFirstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** The password, typed twice at a terminal (they must match), or piped in. */
export async function readPassword(what: string): Promise<string> {
  if (!process.stdin.isTTY) return readFirstLine();
  const first = await readHidden(`${what}: `);
  const second = await readHidden('Type it again: ');
  if (first !== second)
    throw new Error('The two passwords differ: nothing was changed. Run the command again.');
  return first;
}
