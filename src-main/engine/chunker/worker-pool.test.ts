// The chunking worker pool with real worker threads: same results as chunking in-process, never
// more jobs at once than its size, errors and crashes come back as errors, cancel and close work,
// and the pool runs under plain Node 24 as well as under Vitest.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChunkFileError, chunkFile } from './chunk-file.ts';
import { pseudoRandomBytes } from './test-data.ts';
import { ChunkWorkerPool, defaultPoolSize } from './worker-pool.ts';

const MiB = 1024 * 1024;
let dir: string;
const files: string[] = [];
const pools: ChunkWorkerPool[] = [];

function makePool(options: ConstructorParameters<typeof ChunkWorkerPool>[0] = {}): ChunkWorkerPool {
  const pool = new ChunkWorkerPool(options);
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-worker-pool-'));
  for (let i = 0; i < 6; i++) {
    const path = join(dir, `file-${i}.bin`);
    writeFileSync(path, pseudoRandomBytes(1000 + i, MiB + i * 100_003));
    files.push(path);
  }
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ChunkFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChunkFileError);
  return error as ChunkFileError;
}

describe('ChunkWorkerPool', () => {
  it('defaults to the available cores (at most 8) and refuses a size below one', () => {
    expect(defaultPoolSize()).toBeGreaterThanOrEqual(1);
    expect(defaultPoolSize()).toBeLessThanOrEqual(8);
    expect(() => new ChunkWorkerPool({ size: 0 })).toThrow('A worker pool needs at least one worker, not 0.');
  });

  it('chunks many files in workers, with the same results as in-process, never more at once than its size', async () => {
    const pool = makePool({ size: 2 });
    const jobs = files.map((path) => pool.chunkFile(path));
    expect(pool.running).toBe(2);
    expect(pool.queued).toBe(files.length - 2);
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, pool.running)), 1);
    const results = await Promise.all(jobs);
    clearInterval(watch);
    expect(most).toBeLessThanOrEqual(2);
    for (const [i, path] of files.entries()) expect(results[i]).toEqual(await chunkFile(path));
    expect(pool.running).toBe(0);
    expect(pool.queued).toBe(0);
  });

  it('returns errors as ChunkFileErrors and keeps working', async () => {
    const pool = makePool({ size: 1 });
    const missing = join(dir, 'missing.bin');
    const error = await failure(pool.chunkFile(missing));
    expect(error.code).toBe('not_found');
    expect(error.message).toBe(`The file ${missing} no longer exists.`);
    expect(error.path).toBe(missing);
    expect((await pool.chunkFile(files[0]!)).size).toBe(MiB);
  });

  it('cancels a queued job and a running one, and then runs the next', async () => {
    const pool = makePool({ size: 1, bufferSize: 64 * 1024 });
    const running = new AbortController();
    const queued = new AbortController();
    const first = pool.chunkFile(files[5]!, { signal: running.signal });
    const second = pool.chunkFile(files[4]!, { signal: queued.signal });
    const third = pool.chunkFile(files[0]!);
    queued.abort();
    running.abort();
    expect((await failure(first)).code).toBe('cancelled');
    expect((await failure(second)).code).toBe('cancelled');
    expect(await third).toEqual(await chunkFile(files[0]!));
    expect((await failure(pool.chunkFile(files[0]!, { signal: AbortSignal.abort() }))).code).toBe('cancelled');
  });

  it('turns a crashing worker into a worker_failed error and replaces the worker', async () => {
    // A worker that exits as soon as it is given a job.
    const crashing = new URL(`data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(7));")}`);
    const pool = makePool({ size: 1, workerUrl: crashing });
    const error = await failure(pool.chunkFile(files[0]!));
    expect(error.code).toBe('worker_failed');
    expect(error.message).toBe(`A hashing worker stopped while reading ${files[0]!}: it exited with code 7`);
    // The pool spawns a fresh worker for the next job (this one crashes too, again as an error).
    expect((await failure(pool.chunkFile(files[1]!))).code).toBe('worker_failed');

    const throwing = new URL(`data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => { throw new Error('boom'); });")}`);
    const pool2 = makePool({ size: 1, workerUrl: throwing });
    const thrown = await failure(pool2.chunkFile(files[0]!));
    expect(thrown.message).toBe(`A hashing worker stopped while reading ${files[0]!}: boom`);
  });

  it('close fails queued and running work with pool_closed, and refuses new work', async () => {
    const pool = makePool({ size: 1 });
    const jobs = files.slice(0, 3).map((path) => failure(pool.chunkFile(path)));
    await pool.close();
    for (const error of await Promise.all(jobs)) expect(error.code).toBe('pool_closed');
    expect((await failure(pool.chunkFile(files[0]!))).code).toBe('pool_closed');
  });

  it('runs under plain Node 24 (type stripping loads the .ts worker), and idle workers do not keep it alive', async () => {
    const script = `
      import { ChunkWorkerPool } from ${JSON.stringify(new URL('./worker-pool.ts', import.meta.url).href)};
      const pool = new ChunkWorkerPool({ size: 2 });
      const results = await Promise.all(${JSON.stringify(files.slice(0, 3))}.map((path) => pool.chunkFile(path)));
      console.log(JSON.stringify(results));
      // no close(): the process must still exit on its own
    `;
    // A script file, not `-e`: workers inherit the parent's exec flags, and --input-type is not valid for them.
    const scriptPath = join(dir, 'run-pool.mjs');
    writeFileSync(scriptPath, script);
    const { stdout } = await promisify(execFile)(process.execPath, [scriptPath], { timeout: 20_000 });
    const results = JSON.parse(stdout) as unknown[];
    expect(results).toEqual(await Promise.all(files.slice(0, 3).map((path) => chunkFile(path))));
  });
});

describe('idle workers', () => {
  it('starts workers only for work, stops them once idle, and starts one again for the next job', async () => {
    const pool = makePool({ size: 2, idleMs: 50 });
    expect(pool.workers).toBe(0);
    const first = await pool.chunkFile(files[0]!);
    expect(pool.workers).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.workers).toBe(0);
    expect((await pool.chunkFile(files[0]!)).hash).toBe(first.hash);
  });
});
