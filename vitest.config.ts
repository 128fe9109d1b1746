import { defineConfig } from 'vitest/config';

// Unit and integration tests: everything beside the code, except the browser tests in e2e/.
export default defineConfig({
  test: {
    include: ['src-*/**/*.test.ts', 'src-*/**/*.test.tsx', 'bench/**/*.test.ts', 'scripts/**/*.test.ts', 'lint/**/*.test.ts', 'integration/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/fixtures/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The JSON report feeds scripts/test-summary.ts, which prints the closing totals line for CI.
    reporters: ['default', ['json', { outputFile: 'test-results/unit.json' }]],
  },
});
