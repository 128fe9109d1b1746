// Keeps the scan benchmark runnable: a small run prints every figure (and would fail if an idle
// rescan re-read files), and a bad file count is a one-line usage error.

import { describe, expect, it } from 'vitest';
import { failureOf, runBench } from './bench-process.ts';

const run = (files: string) => runBench('scan.ts', { env: { TANDEM_BENCH_FILES: files }, timeoutMs: 120_000 });

describe('bench:scan', () => {
  it('prints the walk, full index, idle rescan and both watchers', async () => {
    const { stdout } = await run('1500');
    expect(stdout).toMatch(/\(a\) walk only, in a worker +[\d,]+ entries\/s/);
    expect(stdout).toMatch(/\(b\) full index, hashing.* [\d,]+ files\/s/);
    expect(stdout).toMatch(/\(b\) its CPU time .* peak RSS \d+ MB \(\d+ MB before it\), \d+ MB after it/);
    expect(stdout).toMatch(/\(c2\) hinted rescan: one edited file, 3 times +[\d.]+ ms .*; [\d.]+ ms .*; [\d.]+ ms/);
    expect(stdout).toMatch(/\(c\) idle rescan, nothing changed +[\d,]+ files\/s \(\d+ ms, 0 files re-read\)/);
    expect(stdout).toMatch(/\(e\) watching with parcel +ready in \d+ ms, RSS \d+ MB .* a change hinted in \d+ ms/);
    expect(stdout).toMatch(/\(e\) watching with chokidar +ready in \d+ ms, RSS \d+ MB .* a change hinted in \d+ ms/);
  }, 120_000);

  it('refuses a file count that is not a whole number', async () => {
    const failure = await failureOf(run('many'));
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim()).toBe('TANDEM_BENCH_FILES must be a whole number of files, at least 100 (got "many").');
  });
});
