// ESLint for the whole repository: typescript-eslint's recommended rules, a ban on focused or
// skipped tests, and the import-boundary rule that enforces DESIGN.md's arrows ("Processes and
// layout"). The boundary rule is eslint-plugin-boundaries; lint/boundaries.test.ts proves
// that it fires on every arrow, against the fixtures in lint/fixtures/.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Files whose imports follow the arrows: every source file of ours. */
const SOURCE_FILES = ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs', '**/*.cjs'];

// Layers, by path. The first pattern that matches a file decides its layer, so the public entry of
// the server comes before the rest of it, and the catch-all `other` comes last.
const LAYERS = [
  // Tools and whole-system tests (integration/ runs real engines against a real server) that run
  // under plain Node and may use anything but the Electron shell; bin/ is the
  // `tandem` command's launcher, the one thing outside src-main/cli that imports it. Vite configs
  // are build tooling wherever they sit.
  ['tooling', ['{e2e,integration,bench,scripts,bin}/**', '**/vite.config.ts']],
  // Tests run under Node even where the code they test must not; they keep their layer's arrows.
  ['shared-tests', 'src-shared/**/*.test.{ts,tsx}'],
  ['renderer-tests', 'src-renderer/**/*.test.{ts,tsx}'],
  ['shared', 'src-shared/**'],
  ['server-entry', 'src-server/index.ts'],
  ['server', 'src-server/**'],
  ['engine', 'src-main/engine/**'],
  ['app', 'src-main/app/**'],
  ['electron', 'src-main/electron/**'],
  ['host', 'src-main/host/**'],
  ['cli', 'src-main/cli/**'],
  ['renderer', 'src-renderer/**'],
  ['other', '**'],
];

const SHELL = 'src-main/electron';

/** A policy that lets `from` import only the listed layers of ours (packages are judged apart). */
function importsOnly(from, allowed, message) {
  return {
    from: { element: { type: from } },
    disallow: { to: { element: { type: `!(${allowed.join('|')})` }, module: { origin: 'local' } } },
    message: `${message} (DESIGN.md)`,
  };
}

/** A policy that forbids `from` some packages (by import source) or all Node built-ins. */
function forbidsModules(from, module, message) {
  return { from: { element: { type: from } }, disallow: { to: { module } }, message: `${message} (DESIGN.md)` };
}

const NODE_BUILTINS = { origin: 'core' };
const ELECTRON = { source: 'electron' };

/**
 * The arrows. When several policies match one import, the last one decides, so the narrower
 * messages (Node built-ins, 'electron') come after the layer-to-layer ones.
 */
const ARROWS = [
  importsOnly('shared', ['shared'], 'src-shared imports nothing of ours'),
  importsOnly('shared-tests', ['shared', 'shared-tests'], 'src-shared imports nothing of ours'),
  importsOnly('renderer', ['renderer', 'shared'], 'src-renderer may import only src-shared'),
  importsOnly('renderer-tests', ['renderer', 'renderer-tests', 'shared'], 'src-renderer may import only src-shared'),
  importsOnly('server', ['server', 'server-entry', 'shared'], 'src-server may import only src-shared'),
  importsOnly('server-entry', ['server', 'server-entry', 'shared'], 'src-server may import only src-shared'),
  importsOnly('engine', ['engine', 'shared'], 'src-main/engine may import only src-shared'),
  importsOnly(
    'app',
    ['app', 'engine', 'shared', 'server-entry'],
    "src-main/app may import only src-main/engine, src-shared and src-server's public entry src-server/index.ts",
  ),
  // `tandem ui` starts the headless host, so the CLI (the outermost root) may import it.
  importsOnly(
    'cli',
    ['cli', 'host', 'app', 'engine', 'shared', 'server-entry'],
    'src-main/cli may import only src-main/host, src-main/app, src-main/engine, src-shared and src-server/index.ts',
  ),
  importsOnly(
    'host',
    ['host', 'app', 'engine', 'shared', 'server-entry'],
    "src-main/host may import only src-main/app, src-main/engine, src-shared and src-server/index.ts; nothing imports src-main/cli",
  ),
  importsOnly(
    'electron',
    ['electron', 'app', 'engine', 'shared', 'server-entry'],
    'src-main/electron may import only src-main/app, src-main/engine, src-shared and src-server/index.ts; nothing imports src-main/cli or src-main/host',
  ),
  {
    from: { element: { type: '!electron' } },
    disallow: { to: { element: { type: 'electron' } } },
    message: `nothing of ours imports ${SHELL} (DESIGN.md)`,
  },
  forbidsModules('shared', NODE_BUILTINS, 'src-shared is pure TypeScript: no Node built-ins'),
  forbidsModules('renderer', NODE_BUILTINS, 'src-renderer runs in the browser: no Node built-ins'),
  forbidsModules(
    '!(electron|tooling|other)',
    ELECTRON,
    `only ${SHELL} imports 'electron'`,
  ),
];

export default defineConfig([
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    '**/dist-*/',
    '.tools/',
    'test-results/',
    'coverage/',
    '.tandem-dev/',
    // Deliberately broken code that tests lint against (see lint/boundaries.test.ts).
    '**/fixtures/',
  ]),
  {
    name: 'tandem/base',
    files: SOURCE_FILES,
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
    rules: {
      // `_`-prefixed names are deliberately unused (an interface's parameter a stub ignores).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Promise mistakes are the bugs plain lint cannot see and that hurt a sync engine most: an
    // un-awaited write whose failure vanishes, or an async callback where a sync one is expected.
    // Only these type-aware rules are on, to keep lint fast on two cores (the type program is
    // most of the cost; the rest of recommendedTypeChecked adds noise, not safety).
    name: 'tandem/promises',
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig.json nearest to it (the root one, or the
        // renderer's). The renderer's Vite config is in neither (see src-renderer/tsconfig.json).
        projectService: { allowDefaultProject: ['src-renderer/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Plain .js files are not type-checked, so ESLint must know Node's globals itself (in .ts files
    // TypeScript does this and typescript-eslint turns no-undef off).
    name: 'tandem/node-globals-in-js',
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    // A focused or skipped test hides failures ("no .skip/.only/.todo", common ground rules).
    name: 'tandem/no-focused-or-skipped-tests',
    files: SOURCE_FILES,
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'MemberExpression[property.name=/^(only|skip|todo|skipIf|runIf)$/]:matches([object.name=/^(describe|it|test|suite|bench)$/], [object.object.name=/^(describe|it|test|suite|bench)$/])',
          message: 'No focused, skipped or to-do tests (.only/.skip/.todo/.skipIf/.runIf): a test must run and be able to fail.',
        },
      ],
    },
  },
  {
    name: 'tandem/import-boundaries',
    files: SOURCE_FILES,
    plugins: { boundaries },
    settings: {
      // Layers are paths from the repository root, wherever ESLint is started from.
      'boundaries/root-path': import.meta.dirname,
      'boundaries/elements': LAYERS.map(([type, pattern]) => ({ type, pattern, mode: 'full' })),
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
      'boundaries/legacy-warnings': false,
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'allow', checkAllOrigins: true, policies: ARROWS }],
    },
  },
]);
