/**
 * The service worker, built after the app: one classic script (module
 * workers are not yet everywhere) at a stable URL, /sw.js. Then workbox's
 * injectManifest writes the list of the app shell's files, with revisions,
 * into it, so a new build means a new worker and a fresh precache.
 */
import { readFileSync } from 'node:fs';
import { injectManifest } from 'workbox-build';
import { defineConfig, type Plugin } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const outDir = 'dist/app';

function injectPrecacheManifest(): Plugin {
  return {
    name: 'fieldsync-inject-manifest',
    apply: 'build',
    async closeBundle() {
      const { count, size, warnings } = await injectManifest({
        swSrc: `${outDir}/sw.js`,
        swDest: `${outDir}/sw.js`,
        globDirectory: outDir,
        globPatterns: ['**/*.{html,js,css,svg,png,webmanifest}'],
        globIgnores: ['sw.js', '**/*.map'],
        // Hashed names are their own revision.
        dontCacheBustURLsMatching: /^assets\//,
      });
      for (const w of warnings) console.warn(w);
      console.info(`Precache: ${count} files, ${(size / 1024).toFixed(1)} kB`);
    },
  };
}

export default defineConfig({
  publicDir: false,
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
    // Workbox's development checks and messages are left out of the production worker.
    'process.env.NODE_ENV': JSON.stringify('production'),
  },
  build: {
    outDir,
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    lib: { entry: 'sw/sw.ts', formats: ['iife'], name: 'fieldsyncWorker', fileName: () => 'sw.js' },
  },
  plugins: [injectPrecacheManifest()],
});
