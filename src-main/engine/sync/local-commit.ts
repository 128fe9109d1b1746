// Storing what a scan saw: the local tree and the per-file facts (size, mtime, inode, hash) in
// one transaction. A file's block list (what downloads and uploads reuse) is kept while its hash
// is unchanged; new content gets its blocks when it is next chunked for an upload.

import type { LocalFacts, LocalIndex } from '../index/local-index.ts';
import type { FileFacts } from '../scanner/local-tree.ts';
import type { LocalState } from '../scanner/local-observer.ts';
import type { Tree } from '../tree/tree.ts';

export function commitLocalScan(index: LocalIndex, tree: Tree, facts: ReadonlyMap<string, FileFacts>): void {
  const stored = index.allFacts();
  const put: LocalFacts[] = [];
  for (const [id, fact] of facts) {
    // Folders and ignored files have facts without a hash (their inode finds them after a move).
    const hash = fact.hash ?? '';
    const before = stored.get(id);
    if (before && before.hash === hash && before.size === fact.size && before.mtimeMs === fact.mtimeMs && before.inode === fact.inode) continue;
    put.push({ id, size: fact.size, mtimeMs: fact.mtimeMs, inode: fact.inode, hash, blocks: hash !== '' && before?.hash === hash ? before.blocks : [] });
  }
  const gone = [...stored.keys()].filter((id) => !facts.has(id));
  index.transaction(() => {
    index.saveTree('local', tree);
    if (gone.length > 0) index.removeFacts(gone);
    if (put.length > 0) index.putFacts(put);
  });
}

/** The local state as the index holds it (after the executor changed it), for the next scan's base. */
export function storedLocalState(index: LocalIndex, tree: Tree, ignoredIds: ReadonlySet<string>): LocalState {
  const facts = new Map<string, FileFacts>();
  for (const [id, fact] of index.allFacts()) {
    if (!tree.items.has(id)) continue;
    facts.set(id, { size: fact.size, mtimeMs: fact.mtimeMs, inode: fact.inode, ...(fact.hash ? { hash: fact.hash } : {}) });
  }
  // Ignored items are in the local tree without facts; keep the ones still there.
  const ignored = new Set([...ignoredIds].filter((id) => tree.items.has(id)));
  return { tree, facts, ignoredIds: ignored };
}
