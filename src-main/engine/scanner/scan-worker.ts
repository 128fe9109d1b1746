// The worker thread behind walkInWorker: walks one synced folder on the real disk with the
// synchronous fs calls (several times faster than promises per file, and off the main thread)
// and streams the observations back in batches. Every outcome is a message, never a crash.

import { parentPort, workerData } from 'node:worker_threads';
import { DiskLister } from './disk-lister.ts';
import { columnBuffers, toColumns } from './observation-columns.ts';
import type { ObservationColumns } from './observation-columns.ts';
import type { ScanProblem } from './observation.ts';
import { ScanRootError, walkFolder } from './walk.ts';

export interface ScanWorkerInput {
  root: string;
  batchSize?: number;
  /** False: regular files are not lstat'ed (a first index; see DiskLister.listUnstatted). */
  statFiles?: boolean;
}

export type FromScanWorker =
  | { type: 'batch'; columns: ObservationColumns }
  | { type: 'done'; problems: ScanProblem[]; unreadable: string[] }
  | { type: 'failed'; rootUnreadable: boolean; message: string; code: string | undefined };

const port = parentPort;
if (port === null) throw new Error('scan-worker.ts runs only as a worker thread (see walk-in-worker.ts).');

const input = workerData as ScanWorkerInput;
try {
  const result = walkFolder(new DiskLister(input.root), {
    batchSize: input.batchSize ?? 2000,
    statFiles: input.statFiles ?? true,
    // Sent in batches, so not kept here: the worker stays small.
    keep: false,
    onBatch: (observations) => {
      const columns = toColumns(observations);
      port.postMessage({ type: 'batch', columns } satisfies FromScanWorker, columnBuffers(columns));
    },
  });
  port.postMessage({ type: 'done', problems: result.problems, unreadable: result.unreadable } satisfies FromScanWorker);
} catch (error) {
  const message = error instanceof ScanRootError ? error.fsError.message : error instanceof Error ? error.message : String(error);
  const code = error instanceof ScanRootError ? error.fsError.code : undefined;
  port.postMessage({ type: 'failed', rootUnreadable: error instanceof ScanRootError, message, code } satisfies FromScanWorker);
}
