// Keeps the planner benchmark runnable: a small run prints its figure (and checks the plan is the
// one upload), and bad arguments are a one-line usage error.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [new URL('./plan.ts', import.meta.url).pathname, ...args], { timeout: 60_000 });

it('prints the time to plan one edited file', async () => {
  const { stdout } = await run('--items', '2000');
  expect(stdout.trim()).toMatch(/^plan one edited file among 2,000 items: [\d.]+ ms \(median of 15; \d+ CPU-ms each on average\)$/u);
}, 60_000);

it('refuses a size it cannot run', async () => {
  const failure = await run('--items', '5').then(
    () => undefined,
    (error: unknown) => error as { code: number; stderr: string },
  );
  expect(failure?.code).toBe(2);
  expect(failure?.stderr.trim()).toBe('usage: node bench/plan.ts [--items 1000..1000000]');
});
