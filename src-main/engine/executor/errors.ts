// How the executor classifies what goes wrong. An operation ends in one of four ways:
//  done      its effect is durable and the state advanced;
//  refused   the server said no (412 stale version, 409 name taken or cycle, folder not empty):
//            the next plan, on fresh trees, decides again;
//  deferred  a local precondition no longer holds (the target or the source changed since the
//            scan, not enough disk space): nothing was changed, the next scan and plan decide;
//  failed    an error: retried with backoff when transient, else reported.
// Refused and deferred are normal in a sync engine (the world moves while we work), never errors.

import type { ChangeSet } from './change-set.ts';

export type DeferReason = 'target_changed' | 'source_changed' | 'no_space' | 'not_empty' | 'missing';

/** A local precondition failed: the operation changed nothing and waits for the next pass. */
export class Deferred extends Error {
  readonly reason: DeferReason;
  readonly path: string;

  constructor(reason: DeferReason, message: string, path: string) {
    super(message);
    this.name = 'Deferred';
    this.reason = reason;
    this.path = path;
  }
}

/**
 * The server refused the operation (stale version, name taken, cycle, non-empty folder). `changes`:
 * bookkeeping the refusal itself teaches (no disk, no server), recorded as the entry closes.
 */
export class Refused extends Error {
  readonly path: string;
  readonly changes: ChangeSet | undefined;

  constructor(message: string, path: string, changes?: ChangeSet) {
    super(message);
    this.name = 'Refused';
    this.path = path;
    this.changes = changes;
  }
}

/** The folder must stop: its root is missing or replaced (SCENARIOS #41). */
export class FolderStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FolderStopped';
  }
}

const RETRYABLE_FS_CODES = new Set(['io', 'other']);

/**
 * Transient failures worth another try: a RemoteError marked retryable (network, 5xx, damaged
 * block), a disk I/O error, or anything carrying `retryable: true`. Duck-typed so the executor
 * depends on no adapter's error class.
 */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retryable?: unknown; kind?: unknown; name?: unknown; code?: unknown };
  if (e.retryable === true) return true;
  if (e.name === 'RemoteError') return e.kind === 'retryable';
  if (e.name === 'FsError') return typeof e.code === 'string' && RETRYABLE_FS_CODES.has(e.code);
  return false;
}

/** One sentence for people, never a stack trace. */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'The operation failed for an unknown reason.';
}
