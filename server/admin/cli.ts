/**
 * `npm run admin -- <command>`: accounts and devices without a browser
 * (commands.ts lists them). Works on the database the server's variables
 * name, while the server runs or not.
 */
import { ConfigError, loadConfig } from '../config.js';
import { HttpError } from '../errors.js';
import { openRepository } from '../storage/stores.js';
import { HELP, parseCommand, runCommand, UsageError } from './commands.js';

async function main(): Promise<number> {
  let command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\nSee --help.`);
    return 2;
  }
  if (!command) {
    console.info(HELP);
    return 0;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 1;
  }
  const repo = await openRepository(config);
  try {
    await repo.migrate();
    const origin = config.publicUrl ?? `${config.tls ? 'https' : 'http'}://localhost:${config.port}`;
    await runCommand(command, {
      repo,
      origin,
      passwordCost: config.passwordHashCost,
      out: (line) => console.info(line),
      warn: (line) => console.warn(line),
    });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\nSee --help.`);
      return 2;
    }
    if (err instanceof HttpError) {
      console.error(err.message);
      return 1;
    }
    console.error(`Failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await repo.close();
  }
}

process.exitCode = await main();
