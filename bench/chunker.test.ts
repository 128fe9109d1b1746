// Keeps the chunker benchmark runnable: a small run prints every figure, and a bad size is a
// one-line usage error.

import { describe, expect, it } from 'vitest';
import { failureOf, runBench } from './bench-process.ts';

const run = (sizeMiB: string) => runBench('chunker.ts', { env: { TANDEM_BENCH_MB: sizeMiB } });

describe('bench:chunker', () => {
  it('prints a throughput for every stage', async () => {
    const { stdout } = await run('8');
    for (const stage of ['(a) read file', '(b) BLAKE3 native', '(b) BLAKE3 wasm', '(c) FastCDC', '(d) chunk+hash', '(e) chunk+hash 4 files, pool of 1']) {
      expect(stdout).toMatch(new RegExp(`${stage.replace(/[()+]/g, '\\$&')}.* \\d+ MB/s +\\d+ MB/cpu-s`));
    }
  }, 60_000);

  it('refuses a size that is not a whole number of MiB', async () => {
    const failure = await failureOf(run('lots'));
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim()).toBe('TANDEM_BENCH_MB must be a whole number of MiB, at least 8 (got "lots").');
  });
});
