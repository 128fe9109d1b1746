// Selective sync: leaving a server folder out of this device. The planner leaves excluded folders
// alone (nothing downloaded, nothing deleted, new local content under them reported); this module
// does the one thing that needs the disk: when a folder is newly left out, its local copy goes,
// but ONLY what is fully synced (the same bytes here, in the base and on the server, unchanged on
// disk since the scan). Anything else stays and is reported, so leaving a folder out never loses
// a byte. The removed items leave the local and synced trees together: with no base, their
// absence here can never read as a delete to send to the server (SCENARIOS #55).

import type { FileSystem } from '../fs/file-system.ts';
import type { LocalIndex } from '../index/local-index.ts';
import type { TreeItem } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';
import { childrenOf, pathOf } from '../tree/tree.ts';

export interface ExclusionResult {
  /** Files and folders removed from this disk. */
  removed: number;
  /** Paths kept because they hold changes not on the server yet. */
  kept: string[];
}

/** Removes the fully synced local copy of each folder in `ids`, deepest first. */
export async function removeExcludedCopies(fs: FileSystem, index: LocalIndex, ids: Iterable<string>): Promise<ExclusionResult> {
  const local = index.loadTree('local');
  const remote = index.loadTree('remote');
  const synced = index.loadTree('synced');
  const result: ExclusionResult = { removed: 0, kept: [] };
  if (!local || !remote || !synced) return result;
  const gone: string[] = [];
  for (const id of ids) {
    if (!local.items.has(id)) continue;
    await removeSubtree(fs, index, { local, remote, synced }, id, gone, result);
  }
  if (gone.length > 0) {
    index.transaction(() => {
      index.updateTree('local', { remove: gone });
      index.updateTree('synced', { remove: gone });
      index.removeFacts(gone);
    });
  }
  return result;
}

interface Trees {
  local: Tree;
  remote: Tree;
  synced: Tree;
}

/** True when the item and everything inside it left the disk. */
async function removeSubtree(fs: FileSystem, index: LocalIndex, trees: Trees, id: string, gone: string[], result: ExclusionResult): Promise<boolean> {
  const item = trees.local.items.get(id) as TreeItem;
  const path = pathOf(trees.local, id) ?? '';
  if (item.kind === 'file') {
    if (!(await fullySynced(fs, index, trees, item, path))) {
      result.kept.push(path);
      return false;
    }
    await fs.remove(path);
    gone.push(id);
    result.removed += 1;
    return true;
  }
  let emptied = true;
  for (const child of childrenOf(trees.local, id)) {
    if (!(await removeSubtree(fs, index, trees, child.id, gone, result))) emptied = false;
  }
  if (!emptied) return false;
  try {
    await fs.remove(path);
  } catch {
    // Something the scan has not seen yet (or an ignored file) is inside: keep the folder.
    result.kept.push(path);
    return false;
  }
  gone.push(id);
  result.removed += 1;
  return true;
}

async function fullySynced(fs: FileSystem, index: LocalIndex, trees: Trees, item: TreeItem, path: string): Promise<boolean> {
  const base = trees.synced.items.get(item.id);
  const remote = trees.remote.items.get(item.id);
  if (!base || !remote || base.hash !== item.hash || remote.hash !== item.hash) return false;
  const facts = index.getFacts(item.id);
  if (!facts) return false;
  try {
    const stat = await fs.lstat(path);
    return stat.kind === 'file' && stat.size === facts.size && stat.mtimeMs === facts.mtimeMs && stat.inode === facts.inode;
  } catch {
    return false;
  }
}
