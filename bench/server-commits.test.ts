// Keeps the server metadata benchmark runnable: a small run prints both figures, and bad
// arguments are a one-line usage error.
import { expect, it } from 'vitest';
import { failureOf, runBench } from './bench-process.ts';

const run = (...args: string[]) => runBench('server-commits.ts', { args });

it('prints commits per second and feed items per second', async () => {
  const { stdout } = await run('--files', '300', '--batch', '100');
  expect(stdout).toMatch(/batched commits: 300 small files in batches of 100: \d+ files\/s/);
  expect(stdout).toMatch(/single commits: +300 small files, one request each: \d+ files\/s/);
  expect(stdout).toMatch(/changes feed: +602 items in pages of 1000: \d+ items\/s/);
}, 60_000);

it('refuses a batch size the server would refuse', async () => {
  const failure = await failureOf(run('--batch', '5000'));
  expect(failure?.code).toBe(2);
  expect(failure?.stderr.trim()).toBe('usage: node bench/server-commits.ts [--files N] [--batch 1..1000]');
});
