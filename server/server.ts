/**
 * Starts the server: reads the configuration from the environment, opens
 * the stores, builds the app on them, listens, and closes cleanly on SIGINT
 * or SIGTERM. Everything else lives in app.ts and storage/stores.ts so tests
 * can build the same server in-process.
 */
import { networkInterfaces } from 'node:os';
import { buildApp } from './app.js';
import { lowCostWarning } from './auth/passwords.js';
import { createSetupToken, setupLink } from './auth/setup.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { FormsDirError } from './forms-dir.js';
import { PhotoStoreUnavailable } from './storage/photo-store.js';
import { openStores } from './storage/stores.js';

/** The addresses a person can type: localhost, and this machine's LAN addresses when listening on all. */
function urlsToOpen(config: Config, port: number): string[] {
  const scheme = config.tls ? 'https' : 'http';
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const hosts = wildcard ? ['localhost'] : [config.host.includes(':') ? `[${config.host}]` : config.host];
  if (wildcard) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) {
        if (!a.internal && a.family === 'IPv4') hosts.push(a.address);
      }
    }
  }
  return hosts.map((h) => `${scheme}://${h}:${port}`);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  const stores = await openStores(config).catch((err: unknown) => {
    if (err instanceof PhotoStoreUnavailable) {
      console.error(`Cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  });
  const app = await buildApp({
    stores,
    formsDir: config.formsDir,
    appDir: config.appDir,
    tls: config.tls,
    baseMap: config.baseMap,
    publicUrl: config.publicUrl,
    flagLimits: config.flagLimits,
    passwordHashCost: config.passwordHashCost,
    logger: { level: config.logLevel },
  }).catch((err: unknown) => {
    if (err instanceof FormsDirError) {
      console.error(`Cannot start: the forms directory is broken.\n${err.message}`);
      process.exit(1);
    }
    throw err;
  });

  const cheapHashes = lowCostWarning(config.passwordHashCost);
  if (cheapHashes) app.log.warn(cheapHashes);

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      // A second Ctrl-C means "now": the database is consistent at every commit anyway.
      process.exit(1);
    }
    closing = true;
    app.log.info(`${signal}: closing`);
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const urls = urlsToOpen(config, port);
  console.info(`\nFieldsync is running. Open:\n${urls.map((u) => `  ${u}`).join('\n')}\n`);
  // Each start without an administrator makes a new link: the one printed before may be lost with its console.
  // On PUBLIC_URL when set (behind a proxy, the address above is not the one to open), else the first above.
  const { repository } = stores;
  if (!(await repository.hasAdministrator())) {
    const token = await createSetupToken(repository, new Date());
    const link = setupLink(config.publicUrl ?? urls[0] ?? '', token);
    console.info(
      `No administrator yet. Open this link (once, within an hour) to choose the first one:\n  ${link}\n`,
    );
  }
  if (!config.tls) {
    console.info('Off this machine, phones need HTTPS for the offline app: set TLS_CERT and TLS_KEY.\n');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
