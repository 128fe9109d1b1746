// Keeps the planner benchmark runnable: a small run prints its two figures (and checks each plan is
// the one upload), and bad arguments are a one-line usage error.
import { expect, it } from 'vitest';
import { failureOf, runBench } from './bench-process.ts';

const run = (...args: string[]) => runBench('plan.ts', { args });

it('prints the time to plan one edited file', async () => {
  const { stdout } = await run('--items', '2000');
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^plan one edited file among 2,000 items, trees never planned before: [\d.]+ ms \(median of 15; \d+ CPU-ms each on average\)$/u);
  expect(lines[1]).toMatch(/^plan one edited file among 2,000 items, trees patched since the last plan: [\d.]+ ms \(median of 15; [\d.]+ CPU-ms each on average\)$/u);
}, 60_000);

it('refuses a size it cannot run', async () => {
  const failure = await failureOf(run('--items', '5'));
  expect(failure?.code).toBe(2);
  expect(failure?.stderr.trim()).toBe('usage: node bench/plan.ts [--items 1000..1000000]');
});
