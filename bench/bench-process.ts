// What the benchmarks' own tests share: running one of bench/'s scripts as `npm run bench:…` would
// (this Node, a size from arguments or the environment), and reading a run that should fail.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface BenchRun {
  args?: readonly string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs bench/<script> under this Node; rejects when it exits with an error. */
export function runBench(script: string, { args = [], env = {}, timeoutMs = 60_000 }: BenchRun = {}): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [new URL(`./${script}`, import.meta.url).pathname, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs });
}

/** The exit code and error output of a run expected to fail; undefined when it succeeded. */
export function failureOf(run: Promise<unknown>): Promise<{ code: number; stderr: string } | undefined> {
  return run.then(
    () => undefined,
    (error: unknown) => error as { code: number; stderr: string },
  );
}
