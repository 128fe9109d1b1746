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

export class GroupJournal implements Journal {
  readonly #store: StateStore;
  #pending: PendingWrite[] = [];
  #scheduled = false;
  /** Writes so far and the transactions they took (for tests and the log). */
  writes = 0;
  groups = 0;

  constructor(store: StateStore) {
    this.#store = store;
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
        // After the I/O callbacks of this turn of the event loop: every write they queued joins.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const group = this.#pending;
    this.#pending = [];
    if (group.length === 0) return;
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
