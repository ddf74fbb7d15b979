// Component and unit tests run in Debian's Chromium (test tools cannot download browsers here).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { apiProxy, fieldsyncPlugin } from './test/support/server-plugin.js';
import { CHROMIUM_ARGS, chromePath } from './test/support/chromium.js';

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
      launchOptions: { executablePath: chromePath(), args: CHROMIUM_ARGS },
    }),
  ],
};
