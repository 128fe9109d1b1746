// Hashes many small files fast for the scanner: batches of paths go to a few worker threads
// (small-file-hash-worker.ts) that read and hash them synchronously. Files above `maxFileSize`
// are not for this: the scanner sends those through the chunk worker pool, which streams them.
// Failures come back as ChunkFileError, like the chunk pool's, so callers treat both alike.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ChunkFileError } from '../chunker/chunk-file.ts';
import type { SmallHashOutcome, SmallHashReply, SmallHashRequest } from './small-file-hash-worker.ts';

export interface SmallFileHash {
  hash: string;
  size: number;
  mtimeMs: number;
}

export interface SmallFileHasherOptions {
  /** Worker threads. Default: the available cores, at most 4. */
  size?: number;
  /** Files per message. Default 256. */
  batchSize?: number;
}

/** Above this, a file is streamed by the chunk pool instead (1 MiB). */
export const SMALL_FILE_LIMIT = 1024 * 1024;

interface Pending {
  paths: string[];
  resolve: (outcomes: SmallHashOutcome[]) => void;
  reject: (error: Error) => void;
}

export class SmallFileHasher {
  readonly size: number;
  readonly #batchSize: number;
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Array<Pending & { id: number }> = [];
  readonly #running = new Map<Worker, Pending & { id: number }>();
  #nextId = 1;
  #closed = false;

  constructor(options: SmallFileHasherOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(availableParallelism(), 4));
    this.#batchSize = options.batchSize ?? 256;
  }

  /** Hashes every path (absolute); each result is a hash or a ChunkFileError, in order. */
  async hashFiles(paths: readonly string[]): Promise<Array<SmallFileHash | ChunkFileError>> {
    const batches: Array<Promise<SmallHashOutcome[]>> = [];
    for (let at = 0; at < paths.length; at += this.#batchSize) batches.push(this.#send(paths.slice(at, at + this.#batchSize)));
    const results: Array<SmallFileHash | ChunkFileError> = [];
    let index = 0;
    for (const outcomes of await Promise.all(batches)) {
      for (const outcome of outcomes) {
        const path = paths[index++]!;
        results.push('error' in outcome ? new ChunkFileError(outcome.error, outcome.message, path) : outcome);
      }
    }
    return results;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.reject(new ChunkFileError('pool_closed', 'Hashing was stopped because Tandem is shutting down.', ''));
    await Promise.all(this.#workers.splice(0).map((worker) => worker.terminate()));
  }

  #send(paths: string[]): Promise<SmallHashOutcome[]> {
    if (this.#closed) return Promise.reject(new ChunkFileError('pool_closed', 'Hashing was stopped because Tandem is shutting down.', ''));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, paths, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let worker = this.#idle.pop();
      if (!worker) {
        if (this.#workers.length >= this.size) return;
        worker = this.#spawn();
      }
      const job = this.#queue.shift()!;
      this.#running.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, paths: job.paths } satisfies SmallHashRequest);
    }
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./small-file-hash-worker.ts', import.meta.url));
    this.#workers.push(worker);
    worker.on('message', (reply: SmallHashReply) => {
      const job = this.#running.get(worker);
      if (!job || job.id !== reply.id) return;
      this.#running.delete(worker);
      worker.unref();
      this.#idle.push(worker);
      job.resolve(reply.outcomes);
      this.#dispatch();
    });
    const fail = (reason: string) => {
      const at = this.#workers.indexOf(worker);
      if (at < 0) return;
      this.#workers.splice(at, 1);
      const idleAt = this.#idle.indexOf(worker);
      if (idleAt >= 0) this.#idle.splice(idleAt, 1);
      const job = this.#running.get(worker);
      this.#running.delete(worker);
      job?.reject(new ChunkFileError('worker_failed', `A hashing worker stopped: ${reason}`, job.paths[0] ?? ''));
      if (!this.#closed) this.#dispatch();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`it exited with code ${code}`));
    return worker;
  }
}
