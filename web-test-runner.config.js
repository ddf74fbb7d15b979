// Component and unit tests run in Debian's Chromium (test tools cannot download browsers here).
import { existsSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { apiProxy, fieldsyncPlugin } from './test/support/server-plugin.js';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(
    `No Chromium at CHROME_PATH or /usr/bin/chromium: install it (apt-get install -y chromium) or set CHROME_PATH.`,
  );
}

export default {
  files: ['test/unit/**/*.test.ts'],
  // Lit's production build: no dev-mode warning in every test file's log.
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  middleware: [apiProxy()],
  plugins: [
    esbuildPlugin({
      ts: true,
      tsconfig: './test/tsconfig.json',
      target: 'es2022',
      define: { __APP_VERSION__: '"test"' },
    }),
    fieldsyncPlugin(),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      },
    }),
  ],
};
