// Progress of one run, for the UI's status line and the CLI: files and bytes to transfer, done so
// far, and what is moving now. Only transfers count as files (a rename or a new folder is
// instant); a file whose blocks the other side already had counts its whole size when done.

import type { Operation } from '../planner/operations.ts';

export interface Progress {
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** Operations of any kind: how many the plan has and how many finished (in any way). */
  operationsTotal: number;
  operationsFinished: number;
  /** Paths being transferred right now. */
  active: string[];
}

export function transferSize(op: Operation): number | undefined {
  return op.kind === 'download' || op.kind === 'upload' ? op.size : undefined;
}

export class ProgressTracker {
  readonly #progress: Progress;
  readonly #listener: ((progress: Progress) => void) | undefined;
  readonly #active = new Map<number, string>();

  constructor(ops: readonly Operation[], listener?: (progress: Progress) => void) {
    let filesTotal = 0;
    let bytesTotal = 0;
    for (const op of ops) {
      const size = transferSize(op);
      if (size === undefined) continue;
      filesTotal += 1;
      bytesTotal += size;
    }
    this.#progress = { filesTotal, filesDone: 0, bytesTotal, bytesDone: 0, operationsTotal: ops.length, operationsFinished: 0, active: [] };
    this.#listener = listener;
  }

  get current(): Progress {
    return { ...this.#progress, active: [...this.#active.values()] };
  }

  started(index: number, op: Operation): void {
    if (transferSize(op) === undefined) return;
    this.#active.set(index, op.kind === 'download' || op.kind === 'upload' ? op.path : '');
    this.#emit();
  }

  bytes(count: number): void {
    this.#progress.bytesDone = Math.min(this.#progress.bytesTotal, this.#progress.bytesDone + count);
    this.#emit();
  }

  /** `movedBytes`: what bytes() already counted for this operation. */
  finished(index: number, op: Operation, done: boolean, movedBytes: number): void {
    this.#active.delete(index);
    this.#progress.operationsFinished += 1;
    const size = transferSize(op);
    if (size !== undefined) {
      if (done) {
        this.#progress.filesDone += 1;
        this.#progress.bytesDone = Math.min(this.#progress.bytesTotal, this.#progress.bytesDone + Math.max(0, size - movedBytes));
      } else {
        // A transfer that did not finish gives back what it had counted: bytes done stay honest.
        this.#progress.bytesDone = Math.max(0, this.#progress.bytesDone - movedBytes);
      }
    }
    this.#emit();
  }

  #emit(): void {
    this.#listener?.(this.current);
  }
}
