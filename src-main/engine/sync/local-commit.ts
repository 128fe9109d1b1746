// Storing what a scan saw: the local tree and the per-file facts (size, mtime, inode, hash) in
// one transaction. A file's block list (what downloads and uploads reuse) is the scan's when it
// chunked the file (big files), else kept while its hash is unchanged; other new content gets its
// blocks when it is next chunked for an upload.
//
// Two ways: given the scan's delta (ScanResult.delta: what changed against the state the scan
// started from, which is what the index holds), only that is written -- a watcher hint costs
// what it changed, not 100k rows compared (0.5 s at 100k files, on every small edit). Without it
// (full scans: at start and the periodic safety net) everything is compared with the index
// itself, which also repairs any difference between the index and the scanner's picture.

import type { LocalFacts, LocalIndex } from '../index/local-index.ts';
import type { StateChanges, StateStore } from '../executor/ports.ts';
import { sameFacts } from '../scanner/local-tree.ts';
import type { FileFacts, LocalStateDelta } from '../scanner/local-tree.ts';
import type { TreeItem } from '../tree/item.ts';
import type { LocalState } from '../scanner/local-observer.ts';
import type { ScanResult } from '../scanner/scan-folder.ts';
import type { Tree } from '../tree/tree.ts';

/** Above this many changed facts, one read of all stored facts beats a lookup per id. */
const LOOKUPS_PER_DELTA = 2000;

export function commitLocalScan(index: LocalIndex, tree: Tree, facts: ReadonlyMap<string, FileFacts>, delta?: ScanResult['delta']): void {
  if (delta) {
    commitDelta(index, tree, facts, delta);
    return;
  }
  const stored = index.allFacts();
  const put: LocalFacts[] = [];
  for (const [id, fact] of facts) {
    const next = factsToWrite(id, fact, stored.get(id));
    if (next) put.push(next);
  }
  const gone = [...stored.keys()].filter((id) => !facts.has(id));
  index.transaction(() => {
    index.saveTree('local', tree);
    if (gone.length > 0) index.removeFacts(gone);
    if (put.length > 0) index.putFacts(put);
  });
}

/** The row to store for a scanned file, or undefined when the stored one already says the same. */
function factsToWrite(id: string, fact: FileFacts, before: LocalFacts | undefined): LocalFacts | undefined {
  // Folders and ignored files have facts without a hash (their inode finds them after a move).
  const hash = fact.hash ?? '';
  if (unchanged(before, fact, hash)) return undefined;
  return { id, size: fact.size, mtimeMs: fact.mtimeMs, inode: fact.inode, hash, blocks: blocksOf(before, fact, hash) };
}

/** Stored facts that need no write: the same, and holding a block list if the scan brought one. */
function unchanged(before: LocalFacts | undefined, fact: FileFacts, hash: string): boolean {
  if (!before || before.hash !== hash || before.size !== fact.size || before.mtimeMs !== fact.mtimeMs || before.inode !== fact.inode) return false;
  return !(fact.blockList && fact.blockList.length > 0 && before.blocks.length === 0);
}

/** The scan's block list if it chunked the file; else the stored one while the content is the same. */
function blocksOf(before: LocalFacts | undefined, fact: FileFacts, hash: string): LocalFacts['blocks'] {
  if (hash !== '' && fact.blockList) return fact.blockList.map(({ offset, size, hash: blockHash }) => ({ offset, size, hash: blockHash }));
  return hash !== '' && before?.hash === hash ? before.blocks : [];
}

function commitDelta(index: LocalIndex, tree: Tree, facts: ReadonlyMap<string, FileFacts>, delta: ScanResult['delta']): void {
  const stored = delta.factsPut.length > LOOKUPS_PER_DELTA ? index.allFacts() : undefined;
  const put: LocalFacts[] = [];
  for (const id of delta.factsPut) {
    const fact = facts.get(id);
    if (!fact) continue;
    const next = factsToWrite(id, fact, stored ? stored.get(id) : index.getFacts(id));
    if (next) put.push(next);
  }
  index.transaction(() => {
    if (!index.hasTree('local')) index.saveTree('local', tree);
    else if (delta.put.length > 0 || delta.removed.length > 0) index.updateTree('local', { put: delta.put, remove: delta.removed });
    if (delta.factsRemoved.length > 0) index.removeFacts(delta.factsRemoved);
    if (put.length > 0) index.putFacts(put);
  });
}

/** The local state as the index holds it (after the executor changed it), for the next scan's base. */
export function storedLocalState(index: LocalIndex, tree: Tree, ignoredIds: ReadonlySet<string>): LocalState {
  // From the index's summaries (kept in memory, already shaped as the scanner's facts), not every
  // row read and block list decoded again.
  const facts = new Map<string, FileFacts>();
  for (const [id, fact] of index.factsSummaries()) if (tree.items.has(id)) facts.set(id, fact);
  return { tree, facts, ignoredIds: ignoredStill(tree, ignoredIds) };
}

/** Ignored items are in the local tree without facts; the ones still there stay ignored. */
export function ignoredStill(tree: Tree, ignoredIds: ReadonlySet<string>): ReadonlySet<string> {
  return new Set([...ignoredIds].filter((id) => tree.items.has(id)));
}

/**
 * What the executor changed in the local state, as the index now holds it: the items of `local`
 * and the stored facts of the ids it wrote (`touched`), against `current`, the state it started
 * from. Runs after every pass that did work, so it reads only those ids (storedLocalState and a
 * comparison of the whole state cost ~4 walks of the folder: 60 ms a pass at 10k files).
 */
export function storedLocalChanges(index: LocalIndex, current: LocalState, local: Tree, touched: Iterable<string>): LocalStateDelta {
  const summaries = index.factsSummaries();
  const delta = { put: [] as TreeItem[], removed: [] as string[], factsPut: [] as Array<[string, FileFacts]>, factsRemoved: [] as string[] };
  for (const id of touched) {
    const item = local.items.get(id);
    if (item === undefined) {
      if (current.tree.items.has(id)) delta.removed.push(id);
    } else if (item !== current.tree.items.get(id)) delta.put.push(item);
    const fact = item === undefined ? undefined : summaries.get(id);
    if (fact === undefined) {
      if (current.facts.has(id)) delta.factsRemoved.push(id);
    } else if (!sameFacts(current.facts.get(id), fact)) delta.factsPut.push([id, fact]);
  }
  return delta;
}

/** The store, noting the ids whose local item or facts each write changes (for storedLocalChanges). */
export function notingLocalChanges(store: StateStore, touched: Set<string>): StateStore {
  const note = (changes: StateChanges) => {
    for (const item of changes.local?.put ?? []) touched.add(item.id);
    for (const id of changes.local?.remove ?? []) touched.add(id);
    for (const [id] of changes.facts?.put ?? []) touched.add(id);
    for (const id of changes.facts?.remove ?? []) touched.add(id);
  };
  return {
    ...store,
    journalComplete(seq, changes) {
      store.journalComplete(seq, changes);
      note(changes);
    },
    advance(changes) {
      store.advance(changes);
      note(changes);
    },
  };
}
