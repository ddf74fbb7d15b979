/**
 * `npm run migrate-storage -- --from … --to …`: copies a Fieldsync
 * server's stores (records and photo bytes) to others, and verifies the
 * copy. See options.ts for the command line, run.ts for what it does.
 */
import { HELP, parseOptions, UsageError } from './options.js';
import { CannotOpen, migrateStorage } from './run.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\nSee --help for how to name each side, with examples.`);
    return 2;
  }
  if (!options) {
    console.info(HELP);
    return 0;
  }
  try {
    return await migrateStorage(options, (line) => console.info(line));
  } catch (err) {
    if (err instanceof CannotOpen) {
      console.error(err.message);
      return 1;
    }
    console.error(
      `Stopped: ${err instanceof Error ? err.message : String(err)}\nWhat was copied is kept: run the same command again to go on.`,
    );
    return 1;
  }
}

process.exitCode = await main();
