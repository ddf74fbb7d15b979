// Component and unit tests run in Debian's Chromium (test tools cannot download browsers here).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { apiProxy, fieldsyncPlugin } from './test/support/server-plugin.js';
import { CHROMIUM_ARGS, chromePath } from './test/support/chromium.js';

/** Vite's `import text from 'x.css?inline'`: the stylesheet as a string module. */
const cssInline = {
  name: 'css-inline',
  // Node resolution does not know the query; bare package paths are served from node_modules.
  resolveImport({ source }) {
    if (source.endsWith('.css?inline') && !source.startsWith('.') && !source.startsWith('/')) {
      return `/node_modules/${source}`;
    }
  },
  transform(context) {
    if (context.path.endsWith('.css') && context.URL.searchParams.has('inline')) {
      context.set('Content-Type', 'text/javascript');
      return { body: `export default ${JSON.stringify(context.body)};` };
    }
  },
};

export default {
  files: ['test/unit/**/*.test.ts'],
  // Lit's production build: no dev-mode warning in every test file's log.
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  middleware: [apiProxy()],
  plugins: [
    cssInline,
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
