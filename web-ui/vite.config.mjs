// Builds the Web UI (preact, JSX through oxc — no framework plugin) into dist/web-ui, the directory the
// server serves at `/` (src/web/rest-server.ts, webUiDirs). Run by scripts/build.mjs, so the package's
// `prepare` build (npm install in a clone, npm pack) ships it. Asset URLs are relative ('./'): the UI
// works behind any path prefix.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web-ui', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
});
