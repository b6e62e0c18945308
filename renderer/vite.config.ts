/**
 * Builds the renderer (`npm run build:renderer` = `vite build renderer`): two pages, the app and the first-run
 * form, with relative asset URLs so the same build works served by the core under /_desktop/ and loaded from
 * a file by Electron (the first-run window, before the core runs). Preact's JSX through Vite's own transform.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { index: 'index.html', setup: 'setup.html' } },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
