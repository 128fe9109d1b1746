// Builds the renderer into <repo>/dist-renderer. The headless host serves that folder, and the
// Electron shell loads it from file://, hence relative asset paths (base './').
// No Node built-ins here (lint keeps src-renderer browser-only); import.meta.dirname is enough.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${import.meta.dirname}/../dist-renderer`,
    emptyOutDir: true,
    // The page runs under a CSP without 'unsafe-inline': nothing may be inlined into index.html,
    // and the preload polyfill is not needed by the Chromium in Electron or on the test machines.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
});
