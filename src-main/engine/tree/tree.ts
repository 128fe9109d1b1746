// A tree of items: a map id -> item plus the root id, with the lookups the engine needs (children,
// path, ancestry, validity). Trees are treated as immutable: the derived indexes (children, paths)
// are cached per Tree object, so a caller that changes a tree makes a new one (withItem, without,
// patchTree). Every helper is linear or better, so 100k-item trees cost milliseconds, not minutes;
// patchTree shares structure with the tree it came from, so a small change costs only its size.

import { nameKey } from '../../../src-shared/names.ts';
import type { TreeItem } from './item.ts';
import { LayeredMap } from './layered-map.ts';

export interface Tree {
  readonly rootId: string;
  readonly items: ReadonlyMap<string, TreeItem>;
}

export function makeTree(rootId: string, items: Iterable<TreeItem>): Tree {
  const map = new Map<string, TreeItem>();
  for (const item of items) map.set(item.id, item);
  return { rootId, items: map };
}

/** A tree holding only its root folder. */
export function emptyTree(rootId: string): Tree {
  return makeTree(rootId, [{ id: rootId, parentId: null, name: '', kind: 'folder' }]);
}

/** A new tree with the item added or replaced. */
export function withItem(tree: Tree, item: TreeItem): Tree {
  const map = new Map(tree.items);
  map.set(item.id, item);
  return { rootId: tree.rootId, items: map };
}

/** A new tree without the given ids. */
export function without(tree: Tree, ids: Iterable<string>): Tree {
  const map = new Map(tree.items);
  for (const id of ids) map.delete(id);
  return { rootId: tree.rootId, items: map };
}

/**
 * A new tree with `put` items added or replaced and `remove` ids removed, sharing everything else
 * with `tree` (which is not changed): O(changes), not O(size). Its children index is derived from
 * the shared base's, so only the folders the change touched are listed again.
 */
export function patchTree(tree: Tree, put: Iterable<TreeItem>, remove: Iterable<string> = []): Tree {
  const entries: Array<readonly [string, TreeItem]> = [];
  for (const item of put) entries.push([item.id, item]);
  return { rootId: tree.rootId, items: LayeredMap.patch(tree.items, entries, remove) };
}

type ChildIndex = ReadonlyMap<string, readonly TreeItem[]>;

// Keyed by the items map (not the Tree), so trees patched from one base find the base's index.
const childIndexes = new WeakMap<ReadonlyMap<string, TreeItem>, ChildIndex>();

function childIndex(tree: Tree): ChildIndex {
  const items = tree.items;
  let index = childIndexes.get(items);
  if (index) return index;
  index = items instanceof LayeredMap ? layeredChildIndex(items) : flatChildIndex(items);
  childIndexes.set(items, index);
  return index;
}

function flatChildIndex(items: ReadonlyMap<string, TreeItem>): ChildIndex {
  const index = new Map<string, TreeItem[]>();
  for (const item of items.values()) {
    if (item.parentId === null) continue;
    const list = index.get(item.parentId);
    if (list) list.push(item);
    else index.set(item.parentId, [item]);
  }
  return index;
}

/** The base's index, with the lists of the folders whose children changed listed again. */
function layeredChildIndex(items: LayeredMap<string, TreeItem>): ChildIndex {
  const base = items.base;
  const baseIndex = childIndex({ rootId: '', items: base });
  const touched = new Set<string>();
  for (const id of items.changedKeys()) {
    const before = base.get(id)?.parentId;
    const now = items.get(id)?.parentId;
    if (before != null) touched.add(before);
    if (now != null) touched.add(now);
  }
  const lists = new Map<string, TreeItem[]>();
  for (const parentId of touched) {
    const list: TreeItem[] = [];
    // Kept children (in their old order), then the ones that changed or arrived.
    for (const child of baseIndex.get(parentId) ?? NO_CHILDREN) {
      const now = items.get(child.id);
      if (now === child) list.push(now);
    }
    lists.set(parentId, list);
  }
  for (const id of items.changedKeys()) {
    const now = items.get(id);
    if (now === undefined || now.parentId === null) continue;
    if (now === base.get(id)) continue;
    lists.get(now.parentId)!.push(now);
  }
  return LayeredMap.patch(baseIndex, lists);
}

const NO_CHILDREN: readonly TreeItem[] = [];

/** The direct children of a folder (any order). */
export function childrenOf(tree: Tree, id: string): readonly TreeItem[] {
  return childIndex(tree).get(id) ?? NO_CHILDREN;
}

const pathCaches = new WeakMap<Tree, Map<string, string | undefined>>();

/**
 * The slash-separated path of an item relative to the root ('' for the root itself), or undefined
 * when the item is missing, orphaned or on a cycle. Memoised, so all paths cost O(n) in total.
 */
export function pathOf(tree: Tree, id: string): string | undefined {
  let cache = pathCaches.get(tree);
  if (!cache) {
    cache = new Map();
    pathCaches.set(tree, cache);
  }
  if (cache.has(id)) return cache.get(id);
  // Most calls come in tree order (a folder before its children): the parent's path is known, so
  // no chain is built (the planner asks for all 100k paths of a first upload).
  const item = tree.items.get(id);
  if (item !== undefined && item.parentId !== null && id !== tree.rootId && item.parentId !== id) {
    const parentPath = cache.get(item.parentId);
    if (parentPath !== undefined) {
      const path = parentPath === '' ? item.name : `${parentPath}/${item.name}`;
      cache.set(id, path);
      return path;
    }
  }
  // Walk up to the first known ancestor, then fill the chain back down.
  const chain: TreeItem[] = [];
  const onChain = new Set<string>();
  let current: string | null = id;
  let base: string | undefined;
  for (;;) {
    if (current === null) {
      base = undefined;
      break;
    }
    if (cache.has(current)) {
      base = cache.get(current);
      break;
    }
    const item = tree.items.get(current);
    if (!item || onChain.has(current)) {
      base = undefined;
      break;
    }
    if (current === tree.rootId) {
      cache.set(current, '');
      base = '';
      break;
    }
    chain.push(item);
    onChain.add(current);
    current = item.parentId;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const item = chain[i] as TreeItem;
    base = base === undefined ? undefined : base === '' ? item.name : `${base}/${item.name}`;
    cache.set(item.id, base);
  }
  return cache.get(id);
}

/** True when `ancestorId` is `id` itself or one of its ancestors. */
export function isAncestorOrSelf(tree: Tree, ancestorId: string, id: string): boolean {
  let current: string | null = id;
  let steps = 0;
  while (current !== null && steps <= tree.items.size) {
    if (current === ancestorId) return true;
    current = tree.items.get(current)?.parentId ?? null;
    steps++;
  }
  return false;
}

/** True when moving `id` under `newParentId` would put a folder inside itself. */
export function wouldCreateCycle(tree: Tree, id: string, newParentId: string): boolean {
  return isAncestorOrSelf(tree, id, newParentId);
}

/** The child of `parentId` whose name collides with `name` under the given key, if any. */
export function childNamed(
  tree: Tree,
  parentId: string,
  name: string,
  key: (name: string) => string = nameKey,
): TreeItem | undefined {
  const wanted = key(name);
  return childrenOf(tree, parentId).find((child) => key(child.name) === wanted);
}

/** Whether a walk down from the root meets every item exactly once, and no file has children. */
function reachedFromRoot(tree: Tree): boolean {
  const index = childIndex(tree);
  const queue: TreeItem[] = [tree.items.get(tree.rootId) as TreeItem];
  for (let head = 0; head < queue.length; head++) {
    const children = index.get((queue[head] as TreeItem).id);
    if (children === undefined) continue;
    if ((queue[head] as TreeItem).kind !== 'folder' || queue.length + children.length > tree.items.size) return false;
    for (const child of children) queue.push(child);
  }
  return queue.length === tree.items.size;
}

export type TreeProblemKind = 'no_root' | 'root_has_parent' | 'orphan' | 'cycle' | 'parent_not_folder' | 'duplicate_name';

export interface TreeProblem {
  kind: TreeProblemKind;
  id: string;
  message: string;
}

/**
 * Everything structurally wrong with a tree: a missing root, orphans, cycles, items inside files,
 * and (when `key` is given) two children of one folder whose names collide under that key.
 */
export function checkTree(tree: Tree, key?: (name: string) => string): TreeProblem[] {
  const problems: TreeProblem[] = [];
  const root = tree.items.get(tree.rootId);
  if (!root) return [{ kind: 'no_root', id: tree.rootId, message: `The root ${tree.rootId} is missing.` }];
  if (root.parentId !== null) problems.push({ kind: 'root_has_parent', id: root.id, message: 'The root has a parent.' });
  // The usual case, answered from the children index every planner pass uses anyway: every item
  // is reached from the root, once, and nothing is inside a file. Only a tree that fails it is
  // looked at item by item, to say what is wrong.
  const wellFormed = root.parentId === null && reachedFromRoot(tree);
  for (const item of wellFormed ? [] : tree.items.values()) {
    if (item.id === tree.rootId) continue;
    const parent = item.parentId === null ? undefined : tree.items.get(item.parentId);
    if (!parent) {
      problems.push({ kind: 'orphan', id: item.id, message: `"${item.name}" (${item.id}) has no parent in the tree.` });
    } else if (parent.kind !== 'folder') {
      problems.push({ kind: 'parent_not_folder', id: item.id, message: `"${item.name}" (${item.id}) is inside a file.` });
    } else if (pathOf(tree, item.id) === undefined) {
      problems.push({ kind: 'cycle', id: item.id, message: `"${item.name}" (${item.id}) is inside itself.` });
    }
  }
  if (key) {
    for (const [parentId, children] of childIndex(tree)) {
      const seen = new Map<string, string>();
      for (const child of children) {
        const k = key(child.name);
        const other = seen.get(k);
        if (other !== undefined) {
          problems.push({ kind: 'duplicate_name', id: child.id, message: `"${child.name}" collides with ${other} in ${parentId}.` });
        } else seen.set(k, child.id);
      }
    }
  }
  return problems;
}

type ItemTest = (item: TreeItem) => boolean;
const selections = new WeakMap<ItemTest, WeakMap<ReadonlyMap<string, TreeItem>, ReadonlySet<string>>>();

/**
 * The ids of the items `test` accepts, for a test that reads only the item. Remembered per items
 * map and test (pass the same function each time), and derived for a patched tree from its base's
 * answer and the patch: asking again after a small change costs the change, not the tree. Each
 * patched map copies its base's set, so it suits small selections (conflicted copies), not "every
 * file" (focus.ts counts those instead of listing them).
 */
export function idsWhere(tree: Tree, test: ItemTest): ReadonlySet<string> {
  let byItems = selections.get(test);
  if (!byItems) selections.set(test, (byItems = new WeakMap()));
  return selected(tree.items, test, byItems);
}

function selected(items: ReadonlyMap<string, TreeItem>, test: ItemTest, cache: WeakMap<ReadonlyMap<string, TreeItem>, ReadonlySet<string>>): ReadonlySet<string> {
  const known = cache.get(items);
  if (known) return known;
  let ids: Set<string>;
  if (items instanceof LayeredMap) {
    ids = new Set(selected(items.base, test, cache));
    for (const id of items.changedKeys()) {
      const item = items.get(id);
      if (item !== undefined && test(item)) ids.add(id);
      else ids.delete(id);
    }
  } else {
    ids = new Set();
    for (const item of items.values()) if (test(item)) ids.add(item.id);
  }
  cache.set(items, ids);
  return ids;
}
