// Keeps the chunker benchmark runnable: a small run prints every figure, and a bad size is a
// one-line usage error.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = (sizeMiB: string) =>
  promisify(execFile)(process.execPath, [new URL('./chunker.ts', import.meta.url).pathname], {
    env: { ...process.env, TANDEM_BENCH_MB: sizeMiB },
    timeout: 60_000,
  });

describe('bench:chunker', () => {
  it('prints a throughput for every stage', async () => {
    const { stdout } = await run('8');
    for (const stage of ['(a) read file', '(b) BLAKE3 native', '(b) BLAKE3 wasm', '(c) FastCDC', '(d) chunk+hash', '(e) chunk+hash 4 files, pool of 1']) {
      expect(stdout).toMatch(new RegExp(`${stage.replace(/[()+]/g, '\\$&')}.* \\d+ MB/s +\\d+ MB/cpu-s`));
    }
  }, 60_000);

  it('refuses a size that is not a whole number of MiB', async () => {
    const failure = await run('lots').then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim()).toBe('TANDEM_BENCH_MB must be a whole number of MiB, at least 8 (got "lots").');
  });
});
