// Prints one closing line for a whole `npm test` run — "tests: N passed, N failed" — from the
// JSON reports Vitest writes for the unit and end-to-end suites, so CI can read the totals.
import { existsSync, readFileSync } from 'node:fs';

interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const reports = ['test-results/unit.json', 'test-results/e2e.json'];
let passed = 0;
let failed = 0;
let skipped = 0;
const missing: string[] = [];
for (const file of reports) {
  if (!existsSync(file)) {
    missing.push(file);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as VitestJsonReport;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
if (missing.length > 0) console.log(`test-summary: no report at ${missing.join(', ')} (that suite did not run)`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0;
