// Keeps the server metadata benchmark runnable: a small run prints both figures, and bad
// arguments are a one-line usage error.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [new URL('./server-commits.ts', import.meta.url).pathname, ...args], { timeout: 60_000 });

it('prints commits per second and feed items per second', async () => {
  const { stdout } = await run('--files', '300', '--batch', '100');
  expect(stdout).toMatch(/batched commits: 300 small files in batches of 100: \d+ files\/s/);
  expect(stdout).toMatch(/single commits: +300 small files, one request each: \d+ files\/s/);
  expect(stdout).toMatch(/changes feed: +602 items in pages of 1000: \d+ items\/s/);
}, 60_000);

it('refuses a batch size the server would refuse', async () => {
  const failure = await run('--batch', '5000').then(
    () => undefined,
    (error: unknown) => error as { code: number; stderr: string },
  );
  expect(failure?.code).toBe(2);
  expect(failure?.stderr.trim()).toBe('usage: node bench/server-commits.ts [--files N] [--batch 1..1000]');
});
