// The operation journal, written in groups: every journal write waiting when the event loop comes
// round (begins, completions, abandons of many operations) goes into ONE store transaction, so one
// disk flush serves them all. With 64 operations in flight, writing each entry on its own cost two
// fsyncs per file (about 3 ms here, on the main thread), which capped a folder of small files at
// a few hundred files per second whatever the network did.
//
// The promises are the contract: begin() resolves once the entry is durable, so an operation still
// starts its effect only after its entry is on disk; complete() resolves once the trees advanced
// and the entry is gone, so what depends on the operation starts only after that. A crash between
// an effect and its (grouped) completion leaves an open entry, exactly as a crash just before an
// ungrouped one would: recover.ts tidies it and the Idempotency-Key makes a replay harmless.
// Stores without transactions (the in-memory test store) get the same writes one by one.
//
// Under load the groups are also spaced in time: a flush comes at most once per GROUP_SPACING_MS
// (the first write after a quiet spell still goes at the next turn, so a lone edit waits for
// nothing). Downloads and uploads finish one by one, so a turn-only group was mostly ONE write:
// profiled at 3,000 small files, those per-write commits were the clients' largest single cost.

import type { Operation } from '../planner/operations.ts';
import type { JournalRecord, StateChanges, StateStore } from './ports.ts';

/** The journal as runOperation uses it. */
export interface Journal {
  begin(operation: Operation, idempotencyKey: string): Promise<JournalRecord>;
  complete(seq: number, changes: StateChanges): Promise<void>;
  abandon(seq: number): Promise<void>;
}

/** Each write on its own, at once (recovery, tests, and one-off use). */
export function directJournal(store: StateStore): Journal {
  return {
    begin: async (operation, idempotencyKey) => store.journalBegin(operation, idempotencyKey),
    complete: async (seq, changes) => store.journalComplete(seq, changes),
    abandon: async (seq) => store.journalAbandon(seq),
  };
}

interface PendingWrite {
  write: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

/** Least time between two group commits while writes keep coming (a commit's fsync is ~1-3 ms). */
export const GROUP_SPACING_MS = 4;

export class GroupJournal implements Journal {
  readonly #store: StateStore;
  readonly #spacingMs: number;
  #pending: PendingWrite[] = [];
  #scheduled = false;
  #lastFlush = -Infinity;
  /** Writes so far and the transactions they took (for tests and the log). */
  writes = 0;
  groups = 0;

  constructor(store: StateStore, options: { spacingMs?: number } = {}) {
    this.#store = store;
    this.#spacingMs = options.spacingMs ?? GROUP_SPACING_MS;
  }

  begin(operation: Operation, idempotencyKey: string): Promise<JournalRecord> {
    return this.#enqueue(() => this.#store.journalBegin(operation, idempotencyKey));
  }

  complete(seq: number, changes: StateChanges): Promise<void> {
    return this.#enqueue(() => this.#store.journalComplete(seq, changes));
  }

  abandon(seq: number): Promise<void> {
    return this.#enqueue(() => this.#store.journalAbandon(seq));
  }

  #enqueue<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ write, resolve: resolve as (value: never) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the I/O callbacks of this turn of the event loop: every write they queued joins;
        // and if the last group was only just written, once the spacing has passed.
        const wait = this.#lastFlush + this.#spacingMs - performance.now();
        if (wait > 0) setTimeout(() => this.#flush(), wait);
        else setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const group = this.#pending;
    this.#pending = [];
    if (group.length === 0) return;
    this.#lastFlush = performance.now();
    this.writes += group.length;
    this.groups += 1;
    // Each write's own failure is its own (the index rolls a failed write back to its savepoint);
    // a failure of the transaction itself fails every write in it.
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const writeAll = () => {
      for (const entry of group) {
        try {
          outcomes.push({ ok: true, value: entry.write() });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    };
    const transaction = this.#store.transaction?.bind(this.#store);
    try {
      if (transaction && group.length > 1) transaction(writeAll);
      else writeAll();
    } catch (error) {
      for (const entry of group) entry.reject(error);
      return;
    }
    group.forEach((entry, at) => {
      const outcome = outcomes[at]!;
      if (outcome.ok) entry.resolve(outcome.value as never);
      else entry.reject(outcome.error);
    });
  }
}
