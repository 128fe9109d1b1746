// Test support: the StateStore port in memory (the three trees, the scanner's facts, the journal),
// with the same all-or-nothing completion as the SQLite index. It survives a simulated crash
// (the test keeps the object), as the index on disk would.

import type { TreeItem } from '../../tree/item.ts';
import type { Tree } from '../../tree/tree.ts';
import type { BlockLocation, JournalRecord, LocalFacts, StateChanges, StateStore } from '../ports.ts';
import type { Operation } from '../../planner/operations.ts';
import type { TreeSet } from '../working-trees.ts';

export class MemoryStore implements StateStore {
  readonly rootId: string;
  readonly local = new Map<string, TreeItem>();
  readonly remote = new Map<string, TreeItem>();
  readonly synced = new Map<string, TreeItem>();
  readonly facts = new Map<string, LocalFacts>();
  readonly journal = new Map<number, JournalRecord>();
  /** The changes cursor the remote tree was read at (tests set it). */
  cursor: string | undefined;
  #nextSeq = 1;
  /** Every journal event, for tests of ordering. */
  readonly log: string[] = [];

  constructor(rootId: string) {
    this.rootId = rootId;
    const root: TreeItem = { id: rootId, parentId: null, name: '', kind: 'folder' };
    this.local.set(rootId, root);
    this.remote.set(rootId, root);
    this.synced.set(rootId, root);
  }

  trees(): TreeSet {
    const tree = (map: Map<string, TreeItem>): Tree => ({ rootId: this.rootId, items: new Map(map) });
    return { local: tree(this.local), remote: tree(this.remote), synced: tree(this.synced) };
  }

  journalBegin(operation: Operation, idempotencyKey: string): JournalRecord {
    const record = { seq: this.#nextSeq++, operation, idempotencyKey };
    this.journal.set(record.seq, record);
    this.log.push(`begin ${operation.kind} ${record.seq}`);
    return record;
  }

  journalComplete(seq: number, changes: StateChanges): void {
    if (!this.journal.delete(seq)) throw new Error(`Journal entry ${seq} is not open.`);
    this.#apply(changes);
    this.log.push(`complete ${seq}`);
  }

  journalAbandon(seq: number): void {
    if (!this.journal.delete(seq)) throw new Error(`Journal entry ${seq} is not open.`);
    this.log.push(`abandon ${seq}`);
  }

  journalEntries(): JournalRecord[] {
    return [...this.journal.values()];
  }

  advance(changes: StateChanges): void {
    this.#apply(changes);
    this.log.push('advance');
  }

  localFacts(id: string): LocalFacts | undefined {
    return this.facts.get(id);
  }

  seenCursor(): string | undefined {
    return this.cursor;
  }

  blockLocations(hashes: ReadonlySet<string>): Map<string, BlockLocation[]> {
    const found = new Map<string, BlockLocation[]>();
    for (const [id, facts] of this.facts) {
      let offset = 0;
      for (const block of facts.blocks ?? []) {
        if (hashes.has(block.hash)) found.set(block.hash, [...(found.get(block.hash) ?? []), { id, offset }]);
        offset += block.size;
      }
    }
    return found;
  }

  #apply(changes: StateChanges): void {
    for (const name of ['local', 'remote', 'synced'] as const) {
      const map = this[name];
      for (const id of changes[name]?.remove ?? []) map.delete(id);
      for (const item of changes[name]?.put ?? []) map.set(item.id, item);
    }
    for (const id of changes.facts?.remove ?? []) this.facts.delete(id);
    for (const [id, facts] of changes.facts?.put ?? []) this.facts.set(id, facts);
  }
}
