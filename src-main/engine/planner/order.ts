// Orders the changes that take one side from where it is to its target, so that every step is
// valid the moment it runs: a parent exists before its children (creates top-down), a name is
// free before something takes it, a folder is empty before it is deleted (so moves out of a
// folder come before its delete, SCENARIOS #16, and children are deleted before parents), and no
// move puts a folder inside itself. Rounds repeat until nothing more can run; a deadlock of names
// (a <-> b swapped) is broken by parking one item under a temporary name. A step that still
// cannot run is returned as blocked, never forced. Content changes come last, in place.

import { temporaryName } from '../conflict-names.ts';
import { sameContent } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import { Overlay } from '../tree/overlay.ts';
import { childrenOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';

export type Step =
  | { type: 'create'; item: TreeItem; path: string }
  | { type: 'move'; before: TreeItem; after: TreeItem; fromPath: string; path: string; temporary: boolean }
  | { type: 'delete'; item: TreeItem; path: string }
  | { type: 'content'; before: TreeItem; after: TreeItem; path: string };

export interface Sequence {
  steps: Step[];
  blocked: TreeItem[];
}

/**
 * `after` maps an id to another id whose pending move must run first (the original of a
 * conflicted copy is only re-created once the copy has been renamed away under its new id).
 */
export function sequence(
  start: Tree,
  target: ReadonlyMap<string, TreeItem>,
  key: (name: string) => string,
  after: ReadonlyMap<string, string> = new Map(),
): Sequence {
  // Only the folders a step touches are indexed, and the start tree is not copied: a pass with one
  // change in a 100k-item tree used to key every name and copy every item, twice per plan.
  const items = new Overlay(start.items);
  const slotsByFolder = new Map<string, Map<string, string>>();
  const childCount = new Map<string, number>();
  /** A folder's children by name key. place() and unplace() ask for it before they change the
   * folder, so when it is first built the folder still holds exactly its children in `start`. */
  const slotsIn = (folderId: string): Map<string, string> => {
    let slots = slotsByFolder.get(folderId);
    if (!slots) {
      slots = new Map();
      for (const child of childrenOf(start, folderId)) slots.set(key(child.name), child.id);
      slotsByFolder.set(folderId, slots);
    }
    return slots;
  };
  const childrenNow = (folderId: string): number => childCount.get(folderId) ?? childrenOf(start, folderId).length;

  const depthIn = memoDepth();
  let creates: TreeItem[] = [];
  let moves: TreeItem[] = [];
  let deletes: TreeItem[] = [];
  for (const [id, wanted] of target) {
    const current = items.get(id);
    if (!current) creates.push(wanted);
    else if (current.parentId !== wanted.parentId || current.name !== wanted.name) moves.push(wanted);
  }
  for (const [id, current] of start.items) if (!target.has(id)) deletes.push(current);
  creates.sort((a, b) => depthIn(target, a.id) - depthIn(target, b.id));
  moves.sort((a, b) => depthIn(target, a.id) - depthIn(target, b.id));
  deletes.sort((a, b) => depthIn(start.items, b.id) - depthIn(start.items, a.id));
  const pendingMove = new Set(moves.map((m) => m.id));
  const pendingDelete = new Set(deletes.map((d) => d.id));
  const parked = new Set<string>();
  const steps: Step[] = [];

  const pathNow = (id: string): string => {
    const names: string[] = [];
    let current = items.get(id);
    for (let guard = 0; current && current.parentId !== null && guard <= items.size; guard++) {
      names.push(current.name);
      current = items.get(current.parentId);
    }
    return names.reverse().join('/');
  };
  const isInside = (id: string, folderId: string): boolean => {
    let current: string | null = folderId;
    for (let guard = 0; current !== null && guard <= items.size; guard++) {
      if (current === id) return true;
      current = items.get(current)?.parentId ?? null;
    }
    return false;
  };
  const canPlace = (id: string, parentId: string, name: string, moving: boolean): boolean => {
    const parent = items.get(parentId);
    if (!parent || parent.kind !== 'folder') return false;
    const holder = slotsIn(parentId).get(key(name));
    if (holder !== undefined && holder !== id) return false;
    return !moving || !isInside(id, parentId);
  };
  const place = (item: TreeItem): void => {
    const parentId = item.parentId as string;
    const slots = slotsIn(parentId);
    childCount.set(parentId, childrenNow(parentId) + 1);
    items.set(item.id, item);
    slots.set(key(item.name), item.id);
  };
  const unplace = (item: TreeItem): void => {
    const parentId = item.parentId as string;
    const slots = slotsIn(parentId);
    const slot = key(item.name);
    if (slots.get(slot) === item.id) slots.delete(slot);
    childCount.set(parentId, Math.max(0, childrenNow(parentId) - 1));
    items.delete(item.id);
  };
  const move = (id: string, parentId: string, name: string, temporary: boolean): void => {
    const before = items.get(id) as TreeItem;
    const fromPath = pathNow(id);
    unplace(before);
    const after = { ...before, parentId, name };
    place(after);
    steps.push({ type: 'move', before, after, fromPath, path: pathNow(id), temporary });
  };

  for (let progress = true; progress; ) {
    progress = false;
    creates = creates.filter((item) => {
      const first = after.get(item.id);
      if (first !== undefined && pendingMove.has(first)) return true;
      if (!canPlace(item.id, item.parentId as string, item.name, false)) return true;
      place(item);
      steps.push({ type: 'create', item, path: pathNow(item.id) });
      progress = true;
      return false;
    });
    moves = moves.filter((wanted) => {
      if (!canPlace(wanted.id, wanted.parentId as string, wanted.name, true)) return true;
      move(wanted.id, wanted.parentId as string, wanted.name, false);
      pendingMove.delete(wanted.id);
      progress = true;
      return false;
    });
    deletes = deletes.filter((item) => {
      if (childrenNow(item.id) > 0) return true;
      const current = items.get(item.id) as TreeItem;
      const path = pathNow(item.id);
      unplace(current);
      pendingDelete.delete(item.id);
      steps.push({ type: 'delete', item: current, path });
      progress = true;
      return false;
    });
    if (progress) continue;
    // Stuck: park one item that holds a wanted name and is itself about to move or go.
    for (const wanted of [...moves, ...creates]) {
      const holder = slotsIn(wanted.parentId as string).get(key(wanted.name));
      if (holder === undefined || holder === wanted.id || parked.has(holder)) continue;
      if (!pendingMove.has(holder) && !pendingDelete.has(holder)) continue;
      const holding = items.get(holder) as TreeItem;
      const siblings = [...slotsIn(holding.parentId as string).values()].map((id) => (items.get(id) as TreeItem).name);
      move(holder, holding.parentId as string, temporaryName(holding.name, { kind: holding.kind, siblings }), true);
      parked.add(holder);
      progress = true;
      break;
    }
  }

  for (const [id, wanted] of target) {
    const current = items.get(id);
    if (current && current.kind === 'file' && !sameContent(current, wanted)) {
      steps.push({ type: 'content', before: current, after: wanted, path: pathNow(id) });
    }
  }
  return { steps, blocked: [...creates, ...moves, ...deletes] };
}

/** The start tree's items with the sequence's changes on top. */
function memoDepth(): (map: ReadonlyMap<string, TreeItem>, id: string) => number {
  const caches = new WeakMap<ReadonlyMap<string, TreeItem>, Map<string, number>>();
  return (map, id) => {
    let cache = caches.get(map);
    if (!cache) {
      cache = new Map();
      caches.set(map, cache);
    }
    const chain: string[] = [];
    let current: string | null = id;
    let depth = 0;
    while (current !== null) {
      const known = cache.get(current);
      if (known !== undefined) {
        depth = known;
        break;
      }
      chain.push(current);
      if (chain.length > map.size + 1) break;
      current = map.get(current)?.parentId ?? null;
    }
    for (let i = chain.length - 1; i >= 0; i--) cache.set(chain[i] as string, ++depth);
    return cache.get(id) ?? 0;
  };
}
