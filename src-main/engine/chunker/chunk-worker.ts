// The worker thread behind ChunkWorkerPool: chunks and hashes files on request, off the main
// thread. Node 24 runs this .ts file directly (type stripping). Every outcome goes back as a
// message; an error becomes { code, message, path }, never an uncaught exception.

import { parentPort } from 'node:worker_threads';
import { ChunkFileError, chunkFile } from './chunk-file.ts';
import type { ChunkFileErrorCode, ChunkedFile } from './chunk-file.ts';

export type ToChunkWorker = { type: 'chunk'; id: number; path: string; bufferSize?: number } | { type: 'cancel'; id: number };

export interface WorkerErrorBody {
  code: ChunkFileErrorCode;
  message: string;
  path: string;
}

export type FromChunkWorker = { type: 'done'; id: number; result: ChunkedFile } | { type: 'failed'; id: number; error: WorkerErrorBody };

function toErrorBody(error: unknown, path: string): WorkerErrorBody {
  if (error instanceof ChunkFileError) return { code: error.code, message: error.message, path: error.path };
  const reason = error instanceof Error ? error.message : String(error);
  return { code: 'worker_failed', message: `Hashing ${path} failed: ${reason}`, path };
}

const port = parentPort;
if (port === null) throw new Error('chunk-worker.ts runs only as a worker thread (see worker-pool.ts).');

const running = new Map<number, AbortController>();

port.on('message', (message: ToChunkWorker) => {
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const { id, path, bufferSize } = message;
  const controller = new AbortController();
  running.set(id, controller);
  void chunkFile(path, bufferSize === undefined ? { signal: controller.signal } : { signal: controller.signal, bufferSize })
    .then(
      (result): FromChunkWorker => ({ type: 'done', id, result }),
      (error: unknown): FromChunkWorker => ({ type: 'failed', id, error: toErrorBody(error, path) }),
    )
    .then((reply) => {
      running.delete(id);
      port.postMessage(reply);
    });
});
