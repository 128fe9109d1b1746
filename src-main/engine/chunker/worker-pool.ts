// A bounded pool of worker threads that chunk and hash files (chunk-worker.ts), so the engine's
// main thread stays free for the watcher, the network and IPC. Work beyond the pool's size waits
// in a first-in, first-out queue. A job can be cancelled by its AbortSignal; every failure,
// including a worker that crashes, comes back as a ChunkFileError and a fresh worker takes over.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ChunkFileError } from './chunk-file.ts';
import type { ChunkedFile } from './chunk-file.ts';
import type { FromChunkWorker, ToChunkWorker } from './chunk-worker.ts';
import { workerEnv } from './worker-env.ts';

export interface ChunkWorkerPoolOptions {
  /** How many files are chunked at once. Default: the available cores, at most 8. */
  size?: number;
  /** Bytes per read in the workers (see chunkFile). */
  bufferSize?: number;
  /** The worker's script; tests point it at a misbehaving worker. */
  workerUrl?: URL;
  /**
   * A worker idle this long is stopped (each holds tens of MB: its own heap and module copies);
   * the next job starts one again. Default 30 s.
   */
  idleMs?: number;
}

export interface ChunkJobOptions {
  signal?: AbortSignal;
}

interface Job {
  id: number;
  path: string;
  resolve: (result: ChunkedFile) => void;
  reject: (error: ChunkFileError) => void;
  /** Set once the caller has its answer; a cancelled job may still occupy its worker briefly. */
  settled: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  dead: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

/** More threads than this only contend for the disk and memory bandwidth. */
const MAX_DEFAULT_SIZE = 8;

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_SIZE));
}

export class ChunkWorkerPool {
  readonly size: number;
  readonly #bufferSize: number | undefined;
  readonly #workerUrl: URL;
  readonly #idleMs: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: ChunkWorkerPoolOptions = {}) {
    const size = options.size ?? defaultPoolSize();
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`A worker pool needs at least one worker, not ${String(size)}.`);
    this.size = size;
    this.#bufferSize = options.bufferSize;
    this.#workerUrl = options.workerUrl ?? new URL('./chunk-worker.ts', import.meta.url);
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** Worker threads running now (started on demand, stopped when idle). */
  get workers(): number {
    return this.#slots.length;
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Jobs a worker is on right now. */
  get running(): number {
    return this.#slots.filter((slot) => slot.job !== undefined).length;
  }

  /** Chunks and hashes the file at `path` in a worker; rejects with a ChunkFileError. */
  chunkFile(path: string, options: ChunkJobOptions = {}): Promise<ChunkedFile> {
    if (this.#closed) return Promise.reject(closedError(path));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelledError(path));
    return new Promise<ChunkedFile>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, path, resolve, reject, settled: false, signal, onAbort: undefined };
      if (signal) {
        job.onAbort = () => this.#cancel(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Stops every worker. Queued and running jobs fail with `pool_closed`; later calls too. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#queue.splice(0)) this.#settle(job, closedError(job.path));
    const slots = this.#slots.splice(0);
    for (const slot of slots) {
      clearTimeout(slot.idleTimer);
      slot.dead = true;
      if (slot.job) this.#settle(slot.job, closedError(slot.job.path));
      slot.job = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #dispatch(): void {
    while (!this.#closed && this.#queue.length > 0) {
      let slot = this.#slots.find((candidate) => candidate.job === undefined);
      if (!slot) {
        if (this.#slots.length >= this.size) return;
        slot = this.#spawn();
      }
      const job = this.#queue.shift()!;
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      slot.job = job;
      slot.worker.ref();
      const message: ToChunkWorker =
        this.#bufferSize === undefined
          ? { type: 'chunk', id: job.id, path: job.path }
          : { type: 'chunk', id: job.id, path: job.path, bufferSize: this.#bufferSize };
      slot.worker.postMessage(message);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(this.#workerUrl, { env: workerEnv() });
    const slot: Slot = { worker, job: undefined, dead: false, idleTimer: undefined };
    this.#slots.push(slot);

    worker.on('message', (message: FromChunkWorker) => {
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      slot.job = undefined;
      // An idle worker must not keep the process alive.
      worker.unref();
      if (message.type === 'done') this.#settle(job, undefined, message.result);
      else this.#settle(job, new ChunkFileError(message.error.code, message.error.message, message.error.path));
      this.#dispatch();
      if (slot.job === undefined) this.#stopWhenIdle(slot);
    });

    const fail = (reason: string) => {
      clearTimeout(slot.idleTimer);
      if (slot.dead) return;
      slot.dead = true;
      const index = this.#slots.indexOf(slot);
      if (index >= 0) this.#slots.splice(index, 1);
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        this.#settle(job, new ChunkFileError('worker_failed', `A hashing worker stopped while reading ${job.path}: ${reason}`, job.path));
      }
      // A replacement is spawned on demand.
      this.#dispatch();
    };
    worker.on('error', (error: unknown) => fail(error instanceof Error ? error.message : String(error)));
    worker.on('exit', (code) => fail(`it exited with code ${String(code)}`));
    return slot;
  }

  #stopWhenIdle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.job !== undefined || slot.dead || this.#closed) return;
      // Marked dead and out of the list first: its exit is then not a failure.
      slot.dead = true;
      const index = this.#slots.indexOf(slot);
      if (index >= 0) this.#slots.splice(index, 1);
      void slot.worker.terminate();
    }, this.#idleMs);
    slot.idleTimer.unref();
  }

  #cancel(job: Job): void {
    if (job.settled) return;
    const queuedAt = this.#queue.indexOf(job);
    if (queuedAt >= 0) {
      this.#queue.splice(queuedAt, 1);
    } else {
      // The worker stops at its next read and replies; it stays busy until then.
      const slot = this.#slots.find((candidate) => candidate.job === job);
      slot?.worker.postMessage({ type: 'cancel', id: job.id } satisfies ToChunkWorker);
    }
    this.#settle(job, cancelledError(job.path));
  }

  #settle(job: Job, error: ChunkFileError | undefined, result?: ChunkedFile): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (error) job.reject(error);
    else job.resolve(result!);
  }
}

function closedError(path: string): ChunkFileError {
  return new ChunkFileError('pool_closed', `Hashing ${path} was stopped because Tandem is shutting down its hashing workers.`, path);
}

function cancelledError(path: string): ChunkFileError {
  return new ChunkFileError('cancelled', `Reading ${path} was cancelled.`, path);
}
