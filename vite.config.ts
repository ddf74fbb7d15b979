import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  // Files in assets/ (manifest, icons) are served from the site root as they are.
  publicDir: 'assets',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      output: {
        // What the first screen needs in one file rather than a dozen small ones: each costs a
        // round trip on a slow network before anything is drawn.
        codeSplitting: { groups: [{ name: 'app', tags: ['$initial'] }] },
      },
    },
    // The service worker is built after this, by vite.sw.config.ts.
  },
  worker: { format: 'es' },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
