// Runs ONE work operation with its journal entry around it: the entry is durable BEFORE the
// effect starts, and it is cleared in the same transaction that advances the trees (or dropped,
// changing nothing, when the operation is refused, deferred or fails). Transient failures are
// retried with backoff and full jitter, with the SAME Idempotency-Key, so a request whose answer
// was lost is applied once. A crash anywhere leaves at most an open entry, which recover.ts
// tidies; the next scan and plan then see where things stand (SCENARIOS #40, invariant 6).

import type { Operation } from '../planner/operations.ts';
import { backoffDelay } from '../remote/retry.ts';
import type { RetryPolicy } from '../remote/retry.ts';
import { runDownload } from './download.ts';
import type { EffectContext } from './effect-context.ts';
import { directJournal } from './group-journal.ts';
import type { Journal } from './group-journal.ts';
import { Deferred, Refused, isRetryable, messageOf } from './errors.ts';
import type { DeferReason } from './errors.ts';
import { runConflictCopy, runCreateLocalFolder, runMoveLocal, runTrashLocal } from './local-effects.ts';
import { runCreateRemoteFolder, runDeleteRemote, runMoveRemote } from './remote-effects.ts';
import { runUpload } from './upload.ts';
import type { ChangeSet } from './change-set.ts';

export type OperationOutcome =
  | { status: 'done'; attempts: number }
  | { status: 'refused'; message: string; attempts: number }
  | { status: 'deferred'; reason: DeferReason; message: string; attempts: number }
  | { status: 'failed'; message: string; retryable: boolean; attempts: number }
  | { status: 'skipped'; message: string; attempts: 0 };

export const EXECUTOR_RETRY_POLICY: RetryPolicy = { baseDelayMs: 500, maxDelayMs: 30_000, maxAttempts: 4, maxRetryAfterMs: 60_000 };

export type WorkOperation = Exclude<Operation, { kind: 'report' | 'ask' | 'markSynced' | 'rekeyLocal' }>;

function effect(ctx: EffectContext, op: WorkOperation): Promise<ChangeSet> {
  switch (op.kind) {
    case 'conflictCopy':
      return runConflictCopy(ctx, op);
    case 'createLocalFolder':
      return runCreateLocalFolder(ctx, op);
    case 'download':
      return runDownload(ctx, op);
    case 'moveLocal':
      return runMoveLocal(ctx, op);
    case 'trashLocal':
      return runTrashLocal(ctx, op);
    case 'createRemoteFolder':
      return runCreateRemoteFolder(ctx, op);
    case 'upload':
      return runUpload(ctx, op);
    case 'moveRemote':
      return runMoveRemote(ctx, op);
    case 'deleteRemote':
      return runDeleteRemote(ctx, op);
  }
}

export async function runOperation(
  base: Omit<EffectContext, 'idempotencyKey'>,
  op: WorkOperation,
  policy: RetryPolicy = EXECUTOR_RETRY_POLICY,
  journal: Journal = directJournal(base.ports.store),
): Promise<OperationOutcome> {
  const { clock } = base.ports;
  const entry = await journal.begin(op, base.ports.newKey());
  const ctx: EffectContext = { ...base, idempotencyKey: entry.idempotencyKey };
  for (let attempt = 1; ; attempt += 1) {
    try {
      const changes = await effect(ctx, op);
      await journal.complete(entry.seq, changes.build());
      return { status: 'done', attempts: attempt };
    } catch (error) {
      if (error instanceof Refused) {
        if (error.changes && !error.changes.isEmpty()) await journal.complete(entry.seq, error.changes.build());
        else await journal.abandon(entry.seq);
        return { status: 'refused', message: error.message, attempts: attempt };
      }
      if (error instanceof Deferred) {
        await journal.abandon(entry.seq);
        return { status: 'deferred', reason: error.reason, message: error.message, attempts: attempt };
      }
      const moved = placeChange(error);
      if (moved) {
        await journal.abandon(entry.seq);
        return { status: 'deferred', reason: moved, message: messageOf(error), attempts: attempt };
      }
      const retryable = isRetryable(error);
      if (!retryable || attempt >= policy.maxAttempts) {
        if (!isOperational(error)) throw error;
        await journal.abandon(entry.seq);
        return { status: 'failed', message: messageOf(error), retryable, attempts: attempt };
      }
      await clock.sleep(backoffDelay(policy, attempt - 1, clock.random));
    }
  }
}

/**
 * A disk error that means the folder changed under us (a path gone, a name taken, a folder no
 * longer empty) is not a failure: the next scan sees the change and the next plan decides. A disk
 * that filled up during a write (after the free-space check passed) is the same as that check
 * failing: nothing was changed (the temp file goes), and the operation waits for room (#59).
 */
function placeChange(error: unknown): DeferReason | undefined {
  if ((error as { name?: unknown } | null)?.name !== 'FsError') return undefined;
  const code = (error as { code?: unknown }).code;
  if (code === 'not_found') return 'missing';
  if (code === 'exists') return 'target_changed';
  if (code === 'not_empty') return 'not_empty';
  if (code === 'no_space') return 'no_space';
  return undefined;
}

/**
 * Errors that belong to this one operation (a disk or server error, a damaged download). Anything
 * else (a bug, a dead index, a simulated crash) is not caught: it stops the run, and the open
 * journal entry is what the next start tidies.
 */
function isOperational(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'FsError' || name === 'RemoteError' || isRetryable(error);
}
