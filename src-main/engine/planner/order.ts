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
  const items = new Map(start.items);
  const slots = new Map<string, string>();
  const childCount = new Map<string, number>();
  const slotOf = (parentId: string, name: string) => `${parentId}\u0000${key(name)}`;
  for (const item of items.values()) {
    if (item.parentId === null) continue;
    slots.set(slotOf(item.parentId, item.name), item.id);
    childCount.set(item.parentId, (childCount.get(item.parentId) ?? 0) + 1);
  }

  const depthIn = memoDepth();
  let creates: TreeItem[] = [];
  let moves: TreeItem[] = [];
  let deletes: TreeItem[] = [];
  for (const [id, wanted] of target) {
    const current = items.get(id);
    if (!current) creates.push(wanted);
    else if (current.parentId !== wanted.parentId || current.name !== wanted.name) moves.push(wanted);
  }
  for (const [id, current] of items) if (!target.has(id)) deletes.push(current);
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
    const holder = slots.get(slotOf(parentId, name));
    if (holder !== undefined && holder !== id) return false;
    return !moving || !isInside(id, parentId);
  };
  const place = (item: TreeItem): void => {
    const parentId = item.parentId as string;
    items.set(item.id, item);
    slots.set(slotOf(parentId, item.name), item.id);
    childCount.set(parentId, (childCount.get(parentId) ?? 0) + 1);
  };
  const unplace = (item: TreeItem): void => {
    const parentId = item.parentId as string;
    const slot = slotOf(parentId, item.name);
    if (slots.get(slot) === item.id) slots.delete(slot);
    childCount.set(parentId, (childCount.get(parentId) ?? 1) - 1);
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
      if ((childCount.get(item.id) ?? 0) > 0) return true;
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
      const holder = slots.get(slotOf(wanted.parentId as string, wanted.name));
      if (holder === undefined || holder === wanted.id || parked.has(holder)) continue;
      if (!pendingMove.has(holder) && !pendingDelete.has(holder)) continue;
      const holding = items.get(holder) as TreeItem;
      const siblings = [...items.values()].filter((i) => i.parentId === holding.parentId).map((i) => i.name);
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
