// The StateStore port on the engine's SQLite index (index/local-index.ts): the journal, the three
// trees and the scanner's facts. A finished operation's tree changes, its facts and the removal of
// its journal entry are ONE transaction (the index nests transactions as savepoints), so a crash
// leaves all of them or none.

import type { LocalFacts as IndexFacts, LocalIndex, TreeName } from '../index/local-index.ts';
import type { Operation } from '../planner/operations.ts';
import type { TreeItem } from '../tree/item.ts';
import type { BlockLocation, JournalRecord, LocalFacts, StateChanges, StateStore } from './ports.ts';
import { withOffsets } from './read-content.ts';

const TREES: readonly TreeName[] = ['local', 'remote', 'synced'];
/** Places reported per block hash: a reader needs one that still holds it, rarely a second. */
const MAX_PLACES = 4;

export function indexStore(index: LocalIndex): StateStore {
  /** The index stores every block with its offset; a change without blocks keeps valid old ones. */
  const toIndexFacts = (id: string, facts: LocalFacts): IndexFacts => {
    const previous = index.getFacts(id);
    let blocks: IndexFacts['blocks'] = [];
    if (facts.blocks) blocks = withOffsets(facts.blocks);
    else if (previous && previous.hash === facts.hash) blocks = previous.blocks;
    return { id, size: facts.size, mtimeMs: facts.mtimeMs, inode: facts.inode, hash: facts.hash ?? '', blocks };
  };
  const applyFacts = (changes: StateChanges) => {
    if (changes.facts?.remove?.length) index.removeFacts(changes.facts.remove);
    if (changes.facts?.put?.length) index.putFacts(changes.facts.put.map(([id, facts]) => toIndexFacts(id, facts)));
  };
  const treeChanges = (changes: StateChanges) => {
    const out: Partial<Record<TreeName, { put: TreeItem[]; remove: string[] }>> = {};
    for (const tree of TREES) {
      const change = changes[tree];
      if (change && ((change.put?.length ?? 0) > 0 || (change.remove?.length ?? 0) > 0)) out[tree] = { put: change.put ?? [], remove: change.remove ?? [] };
    }
    return out;
  };

  return {
    journalBegin(operation: Operation, idempotencyKey: string): JournalRecord {
      const entry = index.journalBegin(operation, { idempotencyKey });
      return { seq: entry.seq, operation: entry.operation, idempotencyKey: entry.idempotencyKey };
    },
    journalComplete(seq, changes) {
      index.transaction(() => {
        applyFacts(changes);
        index.journalComplete(seq, treeChanges(changes));
      });
    },
    journalAbandon(seq) {
      index.journalAbandon(seq);
    },
    transaction(fn) {
      return index.transaction(fn);
    },
    journalEntries() {
      return index.journalEntries().map((entry) => ({ seq: entry.seq, operation: entry.operation, idempotencyKey: entry.idempotencyKey }));
    },
    advance(changes) {
      index.transaction(() => {
        applyFacts(changes);
        for (const [tree, change] of Object.entries(treeChanges(changes))) index.updateTree(tree as TreeName, change);
      });
    },
    localFacts(id) {
      const facts = index.getFacts(id);
      if (!facts) return undefined;
      return { size: facts.size, mtimeMs: facts.mtimeMs, inode: facts.inode, hash: facts.hash, blocks: facts.blocks.map(({ hash, size }) => ({ hash, size })) };
    },
    seenCursor() {
      return index.cursor;
    },
    blockLocations(hashes) {
      // A scan of every file's block list: the index keeps no hash -> place table (the scanner
      // would have to maintain it on every change); download.ts asks only for big transfers.
      const found = new Map<string, BlockLocation[]>();
      if (hashes.size === 0) return found;
      for (const facts of index.allFacts().values()) {
        for (const block of facts.blocks) {
          if (!hashes.has(block.hash)) continue;
          const places = found.get(block.hash);
          if (!places) found.set(block.hash, [{ id: facts.id, offset: block.offset }]);
          else if (places.length < MAX_PLACES) places.push({ id: facts.id, offset: block.offset });
        }
      }
      return found;
    },
  };
}
