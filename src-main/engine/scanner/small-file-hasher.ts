// Hashes many small files fast for the scanner: batches of paths go to a few worker threads
// (small-file-hash-worker.ts) that read and hash them synchronously. Files above `maxFileSize`
// are not for this: the scanner sends those through the chunk worker pool, which streams them.
// Failures come back as ChunkFileError, like the chunk pool's, so callers treat both alike.

import { constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ChunkFileError } from '../chunker/chunk-file.ts';
import { workerEnv } from '../chunker/worker-env.ts';
import type { SmallHashReply, SmallHashRequest } from './small-file-hash-worker.ts';

export interface SmallFileHash {
  hash: string;
  size: number;
  mtimeMs: number;
  /** The file's facts as read (what a walk that skipped the file's lstat needs). */
  inode: number;
  executable: boolean;
}

const EXEC_BITS_EXIST = process.platform !== 'win32';

/** What the scanner's walk saw of a file: lets the worker skip its own "before" fstat. */
export interface ExpectedFacts {
  size: number;
  mtimeMs: number;
  inode: number;
}

export interface HashFilesOptions {
  /** The paths are relative to this folder ('/'-separated); the workers join them. */
  root?: string;
  /**
   * Per path (same order): what the walk saw, so the worker can skip a stat (a file that no longer
   * matches is read carefully). A size of -1 means not seen (any size is then hashed, streamed).
   */
  expected?: readonly ExpectedFacts[];
}

export interface SmallFileHasherOptions {
  /** Worker threads. Default: the available cores, at most 4. */
  size?: number;
  /** Files per message. Default 256. */
  batchSize?: number;
  /**
   * A worker idle this long is stopped (each holds tens of MB: its own heap and module copies);
   * the next job starts one again. Default 30 s.
   */
  idleMs?: number;
}

/** Above this, a file is streamed by the chunk pool instead (1 MiB). */
export const SMALL_FILE_LIMIT = 1024 * 1024;

interface Pending {
  request: Omit<SmallHashRequest, 'id'>;
  resolve: (reply: SmallHashReply) => void;
  reject: (error: Error) => void;
}

export class SmallFileHasher {
  readonly size: number;
  readonly #batchSize: number;
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Array<Pending & { id: number }> = [];
  readonly #running = new Map<Worker, Pending & { id: number }>();
  readonly #idleMs: number;
  readonly #idleTimers = new Map<Worker, NodeJS.Timeout>();
  #nextId = 1;
  #closed = false;

  constructor(options: SmallFileHasherOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(availableParallelism(), 4));
    this.#batchSize = options.batchSize ?? 256;
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** Worker threads running now (started on demand, stopped when idle). */
  get workers(): number {
    return this.#workers.length;
  }

  /**
   * Starts every worker now, idle (stopped again after `idleMs` unused): a worker takes ~0.1 s to
   * load, which a first index otherwise waits for after its walk has begun.
   */
  warm(): void {
    while (!this.#closed && this.#workers.length < this.size) {
      const worker = this.#spawn();
      worker.unref();
      this.#idle.push(worker);
      this.#stopWhenIdle(worker);
    }
  }

  /** Hashes every path (absolute, or under `root`); each result is a hash or a ChunkFileError, in order. */
  async hashFiles(paths: readonly string[], options: HashFilesOptions = {}): Promise<Array<SmallFileHash | ChunkFileError>> {
    const batches: Array<Promise<SmallHashReply>> = [];
    const { root, expected } = options;
    for (let at = 0; at < paths.length; at += this.#batchSize) {
      const request: Omit<SmallHashRequest, 'id'> = { paths: paths.slice(at, at + this.#batchSize) };
      if (root !== undefined) request.root = root;
      if (expected) {
        const flat: number[] = [];
        for (const facts of expected.slice(at, at + this.#batchSize)) flat.push(facts.size, facts.mtimeMs, facts.inode);
        request.expected = flat;
      }
      batches.push(this.#send(request));
    }
    const results: Array<SmallFileHash | ChunkFileError> = [];
    let offset = 0;
    for (const reply of await Promise.all(batches)) {
      const start = results.length;
      for (let i = 0; i < reply.hashes.length; i++) {
        const executable = EXEC_BITS_EXIST && (reply.modes[i]! & constants.S_IXUSR) !== 0;
        results.push({ hash: reply.hashes[i]!, size: reply.sizes[i]!, mtimeMs: reply.mtimes[i]!, inode: reply.inodes[i]!, executable });
      }
      for (const [index, code, message] of reply.errors) results[start + index] = new ChunkFileError(code, message, paths[offset + index]!);
      offset += reply.hashes.length;
    }
    return results;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    for (const pending of this.#queue.splice(0)) pending.reject(new ChunkFileError('pool_closed', 'Hashing was stopped because Tandem is shutting down.', ''));
    await Promise.all(this.#workers.splice(0).map((worker) => worker.terminate()));
  }

  #send(request: Omit<SmallHashRequest, 'id'>): Promise<SmallHashReply> {
    if (this.#closed) return Promise.reject(new ChunkFileError('pool_closed', 'Hashing was stopped because Tandem is shutting down.', ''));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, request, resolve, reject });
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
      clearTimeout(this.#idleTimers.get(worker));
      this.#idleTimers.delete(worker);
      const job = this.#queue.shift()!;
      this.#running.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, ...job.request } satisfies SmallHashRequest);
    }
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./small-file-hash-worker.ts', import.meta.url), { env: workerEnv() });
    this.#workers.push(worker);
    worker.on('message', (reply: SmallHashReply) => {
      const job = this.#running.get(worker);
      if (!job || job.id !== reply.id) return;
      this.#running.delete(worker);
      worker.unref();
      this.#idle.push(worker);
      job.resolve(reply);
      this.#dispatch();
      if (this.#idle.includes(worker)) this.#stopWhenIdle(worker);
    });
    const fail = (reason: string) => {
      clearTimeout(this.#idleTimers.get(worker));
      this.#idleTimers.delete(worker);
      const at = this.#workers.indexOf(worker);
      if (at < 0) return;
      this.#workers.splice(at, 1);
      const idleAt = this.#idle.indexOf(worker);
      if (idleAt >= 0) this.#idle.splice(idleAt, 1);
      const job = this.#running.get(worker);
      this.#running.delete(worker);
      job?.reject(new ChunkFileError('worker_failed', `A hashing worker stopped: ${reason}`, job.request.paths[0] ?? ''));
      if (!this.#closed) this.#dispatch();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`it exited with code ${code}`));
    return worker;
  }

  #stopWhenIdle(worker: Worker): void {
    const timer = setTimeout(() => {
      this.#idleTimers.delete(worker);
      const at = this.#idle.indexOf(worker);
      if (at < 0 || this.#closed) return;
      // Out of the lists first: its exit is then not a failure.
      this.#idle.splice(at, 1);
      this.#workers.splice(this.#workers.indexOf(worker), 1);
      void worker.terminate();
    }, this.#idleMs);
    timer.unref();
    this.#idleTimers.set(worker, timer);
  }
}
