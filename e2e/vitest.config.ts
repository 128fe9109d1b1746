// End-to-end tests: the real `tandem` command and the built renderer in Debian's Chromium.
// One file at a time (each spawns processes and a browser on a 2-core machine), with timeouts
// generous enough for a cold Chromium start.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
    // The JSON report feeds scripts/test-summary.ts, which prints the closing totals line for CI.
    reporters: ['default', ['json', { outputFile: 'test-results/e2e.json' }]],
  },
});
