// The executor: gives a plan its effects (DESIGN.md "The engine"). In order:
//  1. a mass-delete question in the plan stops the run before any work; the question is returned
//     for the UI/CLI to ask (guards.ts);
//  2. the folder marker is checked (a missing or replaced root stops the folder: #41), and checked
//     again right before the first delete starts (invariant 7: guards first);
//  3. bookkeeping (markSynced, rekeyLocal) is applied in ONE transaction: no disk, no network;
//  4. the work runs with bounded concurrency in dependency order (dependencies.ts, scheduler.ts),
//     each operation journaled around its effect, transient failures retried (run-operation.ts);
//  5. the result says, per operation, what happened; reports from the plan are passed through.
// The executor never plans: refused, deferred and skipped operations are simply left for the next
// scan and plan, which see the world as it now is.
//
// Driving it (the engine's loop; integration/engine/executor.test.ts does exactly this): at start,
// recover() once (recover.ts); then each pass: scan, read the changes feed, plan, run. A folder is
// set up with writeFolderMarker (guards.ts) before its first pass. Questions go to the index
// (recordQuestions) and to the user; pausing is an AbortSignal.

import type { Operation, ReportCode } from '../planner/operations.ts';
import { getHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import type { RetryPolicy } from '../remote/retry.ts';
import { dependencies } from './dependencies.ts';
import { FolderStopped, messageOf } from './errors.ts';
import { checkFolderMarker, isDelete, questionsIn } from './guards.ts';
import type { AskOperation } from './guards.ts';
import type { ExecutorPorts } from './ports.ts';
import { ProgressTracker, transferSize } from './progress.ts';
import type { Progress } from './progress.ts';
import { EXECUTOR_RETRY_POLICY, runOperation } from './run-operation.ts';
import { GroupJournal } from './group-journal.ts';
import type { OperationOutcome, WorkOperation } from './run-operation.ts';
import { runRekeyLocal } from './local-effects.ts';
import { runScheduled } from './scheduler.ts';
import type { TreeSet } from './working-trees.ts';
import { ChangeSet } from './change-set.ts';
import { WorkingTrees } from './working-trees.ts';

export const DEFAULT_CONCURRENCY = 256;
export const DEFAULT_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

export interface ExecutorOptions {
  /** The id written in the folder's marker (guards.ts). */
  folderId: string;
  /**
   * Operations running at once. Default 256: small operations need many in flight for their
   * remote calls to share requests (batching-remote-ops.ts); big transfers are held back by
   * maxBytesInFlight instead. At 64, 10k new small files went up in batches of ~18 creates
   * (a fsync'd server transaction and a local journal group each); at 256 the same run took
   * 15-16 s instead of 24-36 s, server 3.7 instead of 7-9 CPU-s, A 11 instead of 15-16 (load 4-5).
   * 1024 was slower again (19-23 s) and held ~40 MB more per client.
   */
  concurrency?: number;
  /** Bytes of uploads and downloads under way at once (a bigger file runs alone). Default 64 MiB. */
  maxBytesInFlight?: number;
  retry?: RetryPolicy;
  /** Bytes a download must leave free on the disk. Default 16 MiB. */
  freeSpaceReserve?: number;
  hasher?: Hasher;
  onProgress?: (progress: Progress) => void;
  /** Told as each operation ends (for the log and the activity list). */
  onOperation?: (entry: ExecutedOperation) => void;
}

export interface RunOptions {
  /** Pausing: operations not yet started are skipped; those under way finish. */
  signal?: AbortSignal;
}

export interface ExecutedOperation {
  operation: Operation;
  outcome: OperationOutcome;
}

export interface RunResult {
  /** Why the run stopped before doing any work, if it did. */
  stopped?: { reason: 'question' | 'folder_stopped' | 'paused'; message: string };
  /** Mass-delete questions to put to the user. */
  questions: AskOperation[];
  /** The plan's reports, for the UI and the log. */
  reports: Array<{ code: ReportCode; path: string; message: string }>;
  /** Every operation with what happened to it (bookkeeping included), in plan order. */
  executed: ExecutedOperation[];
  /** True when every operation was done: nothing is left for another pass. */
  complete: boolean;
  progress: Progress;
  /** The trees as they now are (what the store holds too). */
  trees: TreeSet;
}

export class Executor {
  readonly #ports: ExecutorPorts;
  readonly #options: ExecutorOptions;

  constructor(ports: ExecutorPorts, options: ExecutorOptions) {
    this.#ports = ports;
    this.#options = options;
  }

  /** Runs `plan`, made by the planner from exactly `trees`. */
  async run(plan: readonly Operation[], trees: TreeSet, runOptions: RunOptions = {}): Promise<RunResult> {
    const { signal } = runOptions;
    const working = new WorkingTrees(trees);
    const questions = questionsIn(plan);
    const reports = plan.flatMap((op) => (op.kind === 'report' ? [{ code: op.code, path: op.path, message: op.message }] : []));
    const progress = new ProgressTracker(plan.filter((op) => op.kind !== 'report' && op.kind !== 'ask'), this.#options.onProgress);
    const result = (executed: ExecutedOperation[], stopped?: RunResult['stopped']): RunResult => ({
      ...(stopped ? { stopped } : {}),
      questions,
      reports,
      executed,
      complete: !stopped && executed.every((entry) => entry.outcome.status === 'done'),
      progress: progress.current,
      trees: working.snapshot(),
    });

    if (questions.length > 0) {
      const message = questions.map((q) => q.message).join(' ');
      return result([], { reason: 'question', message });
    }
    try {
      await checkFolderMarker(this.#ports.fs, this.#options.folderId);
    } catch (error) {
      if (error instanceof FolderStopped) return result([], { reason: 'folder_stopped', message: error.message });
      throw error;
    }

    const hasher = this.#options.hasher ?? (await getHasher());
    const executed: ExecutedOperation[] = [];

    // Bookkeeping: one transaction, no effects.
    const bookkeeping = new ChangeSet();
    const ctxBase = { ports: this.#ports, trees: working, hasher, idempotencyKey: '', onBytes: () => undefined, freeSpaceReserve: 0 };
    for (const op of plan) {
      if (op.kind === 'markSynced') {
        working.setBase(bookkeeping, op.id, op.item);
      } else if (op.kind === 'rekeyLocal') {
        runRekeyLocal(ctxBase, op, bookkeeping);
      } else continue;
      executed.push({ operation: op, outcome: { status: 'done', attempts: 1 } });
      progress.finished(-1, op, true, 0);
    }
    if (executed.length > 0) this.#ports.store.advance(bookkeeping.build());

    // The work, in dependency order.
    const work = plan.filter((op): op is WorkOperation => op.kind !== 'markSynced' && op.kind !== 'rekeyLocal' && op.kind !== 'report' && op.kind !== 'ask');
    const outcomes: Array<OperationOutcome | undefined> = work.map(() => undefined);
    const deps = dependencies(work, (op) => {
      if (op.kind !== 'upload') return [];
      const here = working.localPath(op.id);
      return here === undefined ? [] : [here];
    });
    // Journal writes of operations running side by side share transactions (one fsync for many).
    const journal = new GroupJournal(this.#ports.store);
    let deleteGuard: Promise<void> | undefined;
    let markerLost: string | undefined;
    const finish = (index: number, outcome: OperationOutcome, moved: number) => {
      outcomes[index] = outcome;
      progress.finished(index, work[index]!, outcome.status === 'done', moved);
      this.#options.onOperation?.({ operation: work[index]!, outcome });
      return outcome.status === 'done' ? ('ok' as const) : ('not_ok' as const);
    };
    const tasks = work.map((op, index) => ({
      deps: deps[index]!,
      weight: transferSize(op) ?? 0,
      run: async () => {
        if (signal?.aborted) return finish(index, { status: 'skipped', message: 'Syncing was paused before this started.', attempts: 0 }, 0);
        if (isDelete(op)) {
          deleteGuard ??= checkFolderMarker(this.#ports.fs, this.#options.folderId);
          try {
            await deleteGuard;
          } catch (error) {
            if (!(error instanceof FolderStopped)) throw error;
            markerLost = error.message;
            return finish(index, { status: 'failed', message: messageOf(error), retryable: false, attempts: 0 }, 0);
          }
        }
        progress.started(index, op);
        let moved = 0;
        const cap = transferSize(op) ?? 0;
        const outcome = await runOperation(
          {
            ports: this.#ports,
            trees: working,
            hasher,
            freeSpaceReserve: this.#options.freeSpaceReserve ?? 16 * 1024 * 1024,
            onBytes: (bytes) => {
              const counted = Math.max(0, Math.min(bytes, cap - moved));
              moved += counted;
              progress.bytes(counted);
            },
          },
          op,
          this.#options.retry ?? EXECUTOR_RETRY_POLICY,
          journal,
        );
        return finish(index, outcome, moved);
      },
    }));
    const states = await runScheduled(tasks, this.#options.concurrency ?? DEFAULT_CONCURRENCY, {
      maxBytes: this.#options.maxBytesInFlight ?? DEFAULT_BYTES_IN_FLIGHT,
    });
    work.forEach((op, index) => {
      const outcome: OperationOutcome =
        outcomes[index] ??
        (states[index] === 'skipped'
          ? { status: 'skipped', message: 'Waits for an operation that did not finish; the next pass decides again.', attempts: 0 }
          : { status: 'failed', message: 'The operation did not run.', retryable: false, attempts: 0 });
      if (states[index] === 'skipped' && !outcomes[index]) progress.finished(index, op, false, 0);
      executed.push({ operation: op, outcome });
    });
    const stopped: RunResult['stopped'] =
      markerLost !== undefined
        ? { reason: 'folder_stopped', message: markerLost }
        : signal?.aborted
          ? { reason: 'paused', message: 'Syncing was paused; what had started finished, the rest waits.' }
          : undefined;
    return result(orderAsPlan(plan, executed), stopped);
  }
}

function orderAsPlan(plan: readonly Operation[], executed: ExecutedOperation[]): ExecutedOperation[] {
  const position = new Map(plan.map((op, index) => [op, index]));
  return [...executed].sort((a, b) => (position.get(a.operation) ?? 0) - (position.get(b.operation) ?? 0));
}
