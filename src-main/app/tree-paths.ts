// Finding things in a folder's trees by the paths people see, and sizes of whole subtrees.
import { join } from 'node:path';
import type { TreeItem } from '../engine/tree/item.ts';
import { childNamed, type Tree } from '../engine/tree/tree.ts';

/** The item at a '/'-separated path inside the folder, if the tree has it. */
export function itemAtPath(tree: Tree, path: string): TreeItem | undefined {
  let current = tree.items.get(tree.rootId);
  for (const name of path.split('/').filter((part) => part.length > 0)) {
    if (!current) return undefined;
    current = childNamed(tree, current.id, name.normalize('NFC'));
  }
  return current;
}

/** Bytes inside every folder (and each file's own size), computed once for the whole tree. */
export function subtreeSizes(tree: Tree): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const item of tree.items.values()) {
    if (item.kind !== 'file') continue;
    const size = item.size ?? 0;
    sizes.set(item.id, size);
    let parent = item.parentId;
    for (let guard = 0; parent !== null && guard < 10_000; guard++) {
      sizes.set(parent, (sizes.get(parent) ?? 0) + size);
      parent = tree.items.get(parent)?.parentId ?? null;
    }
  }
  return sizes;
}

/** The absolute path on disk of a '/'-separated path inside `folder`. */
export function diskPath(folder: string, path: string): string {
  return join(folder, ...path.split('/'));
}

/** True when the item is the same on disk (as last scanned), in the base and on the server. */
export function fullySynced(trees: { local: Tree; synced: Tree; remote: Tree }, id: string): boolean {
  const local = trees.local.items.get(id);
  const synced = trees.synced.items.get(id);
  const remote = trees.remote.items.get(id);
  return !!local && !!synced && !!remote && local.hash === synced.hash && remote.hash === local.hash;
}
