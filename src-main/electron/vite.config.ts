// Bundles the Electron shell into dist-electron/: main.js (ES module, the package's "main") and
// preload.cjs (CommonJS, one self-contained file, because sandboxed preloads can be neither ES
// modules nor require anything of ours). Two Vite environments, so neither shares a chunk with
// the other. Only bundling: the Electron binary is never needed.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const outDir = here('../../dist-electron');

// Provided at run time, never bundled: Electron itself, Node's modules, and packages with native
// code or that find their files on disk (they ship in the app's node_modules).
const runtimeProvided = [
  'electron',
  /^electron\/.+/,
  /^node:/,
  ...builtinModules,
  'better-sqlite3',
  '@parcel/watcher',
  '@napi-rs/blake-hash',
  '@napi-rs/keyring',
  'electron-updater',
];

export default defineConfig({
  root: here('../..'),
  publicDir: false,
  logLevel: 'warn',
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments['main']!);
      await builder.build(builder.environments['preload']!);
    },
  },
  environments: {
    main: {
      consumer: 'server',
      resolve: { noExternal: true, external: [] },
      build: {
        outDir,
        emptyOutDir: true,
        target: 'node22',
        minify: false,
        sourcemap: true,
        ssr: true,
        rolldownOptions: {
          input: { main: here('./main.ts') },
          external: runtimeProvided,
          output: { format: 'es', entryFileNames: '[name].js' },
        },
      },
    },
    preload: {
      consumer: 'server',
      resolve: { noExternal: true, external: [] },
      build: {
        outDir,
        emptyOutDir: false,
        target: 'chrome140',
        minify: false,
        sourcemap: false,
        ssr: true,
        rolldownOptions: {
          input: { preload: here('./preload.ts') },
          external: ['electron'],
          output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
        },
      },
    },
  },
});
