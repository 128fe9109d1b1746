// Runs the scanner's walk of a real folder in a worker thread (scan-worker.ts) and gathers the
// batches it sends. One short-lived worker per scan: a full scan is rare (start, safety net), and
// a fresh thread leaves no memory behind between scans.

import { Worker } from 'node:worker_threads';
import { FsError } from '../fs/file-system.ts';
import { workerEnv } from '../chunker/worker-env.ts';
import type { FsErrorCode } from '../fs/file-system.ts';
import { fromColumns } from './observation-columns.ts';
import type { Observation, WalkResult } from './observation.ts';
import type { FromScanWorker, ScanWorkerInput } from './scan-worker.ts';
import { ScanRootError } from './walk.ts';

export interface WalkInWorkerOptions {
  batchSize?: number;
  /** Sees each batch as it arrives (the scanner starts hashing early); `observations` in the result are empty then. */
  onBatch?: (observations: Observation[]) => void;
  /** False: regular files come `unstatted` (a first index, where the hasher reads their facts). */
  statFiles?: boolean;
}

export function walkInWorker(root: string, options: WalkInWorkerOptions = {}): Promise<WalkResult> {
  return new Promise((resolve, reject) => {
    const workerData: ScanWorkerInput = { root };
    if (options.batchSize !== undefined) workerData.batchSize = options.batchSize;
    if (options.statFiles !== undefined) workerData.statFiles = options.statFiles;
    const worker = new Worker(new URL('./scan-worker.ts', import.meta.url), { workerData, env: workerEnv() });
    const observations: Observation[] = [];
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
      void worker.terminate();
    };
    worker.on('message', (message: FromScanWorker) => {
      if (message.type === 'batch') {
        const batch = fromColumns(message.columns);
        if (options.onBatch) options.onBatch(batch);
        else for (const observation of batch) observations.push(observation);
      } else if (message.type === 'done') {
        finish(() => resolve({ observations, problems: message.problems, unreadable: message.unreadable }));
      } else {
        const error = message.rootUnreadable
          ? new ScanRootError(new FsError((message.code ?? 'other') as FsErrorCode, message.message, ''))
          : new Error(`The scan of ${root} failed: ${message.message}`);
        finish(() => reject(error));
      }
    });
    worker.on('error', (error) => finish(() => reject(new Error(`The scan of ${root} stopped: ${error.message}`))));
    worker.on('exit', (code) => finish(() => reject(new Error(`The scan of ${root} stopped: its worker exited with code ${code}.`))));
  });
}
