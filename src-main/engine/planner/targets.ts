// From the merged tree to what each side should look like at the end of this pass.
//  - remote target: the merged tree (items left out of planning stay exactly as the server has them);
//  - local target: the merged tree minus what this device does not hold: excluded or ignored
//    items, and names this disk cannot hold (reported). Anything the disk already has there is
//    FROZEN as it is, never deleted: a name we cannot follow is not a reason to delete bytes.
//    A frozen item keeps its folders too, even ones deleted elsewhere (kept_ignored, #19), but OS
//    clutter (.DS_Store, Thumbs.db …) never does: clutter is frozen only where its folder stays
//    anyway; in a folder this pass deletes, it is left out of the local starting point so the
//    folder's delete is planned as for an empty folder, and the executor removes the clutter with
//    it (#35). It is never the subject of an operation of its own.
// Also builds the local starting point: the disk with the planned re-keys (re-created items,
// conflicted copies) already applied, which is what the local operations are ordered against.

import { pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import type { TreeItem } from '../tree/item.ts';
import { report } from './state.ts';
import type { PlanState } from './state.ts';

export interface Targets {
  /** The local tree the local operations start from (re-keys applied, clutter that goes with its folder left out). */
  localStart: Tree;
  localTarget: Map<string, TreeItem>;
  remoteTarget: Map<string, TreeItem>;
  mergedTree: Tree;
  /** Ids the local side will not match (frozen or not held here): excluded from convergence. */
  notHeldLocally: Set<string>;
}

export function buildTargets(state: PlanState): Targets {
  const { rootId } = state;
  const remoteTarget = new Map<string, TreeItem>();
  for (const [id, entry] of state.merged) remoteTarget.set(id, entry.item);
  const mergedTree: Tree = { rootId, items: remoteTarget };

  const rekeyed = rekeyedLocal(state);
  const localKey = state.options.localNameKey ?? ((name: string) => name);
  const canHold = state.options.canHoldName;

  // Top-down over the merged tree, so a skipped folder takes its subtree with it.
  const children = new Map<string, TreeItem[]>();
  for (const item of remoteTarget.values()) {
    if (item.parentId === null) continue;
    const list = children.get(item.parentId);
    if (list) list.push(item);
    else children.set(item.parentId, [item]);
  }
  const localTarget = new Map<string, TreeItem>();
  const notHeldLocally = new Set<string>();
  const dropped: string[] = [];
  localTarget.set(rootId, remoteTarget.get(rootId) as TreeItem);
  const queue: string[] = [rootId];
  for (let head = 0; head < queue.length; head++) {
    const parentId = queue[head] as string;
    // Files are queued too and have no children: no path to build for them (100k strings a plan).
    const list = children.get(parentId);
    if (list === undefined) continue;
    const parentPath = pathOf(mergedTree, parentId) ?? '';
    const heldKeys = new Map<string, TreeItem>();
    // Items already on disk at this place claim their key first (SCENARIOS #23: never overwritten).
    const ordered = [...list].sort((a, b) => rank(rekeyed, a) - rank(rekeyed, b) || (a.id < b.id ? -1 : 1));
    for (const item of ordered) {
      const entry = state.merged.get(item.id);
      if (entry?.remoteOnly) {
        drop(item.id);
        continue;
      }
      let why: string | undefined;
      if (canHold && !canHold(parentPath, item.name)) {
        why = state.options.whyCannotHold?.(parentPath, item.name) ?? 'this disk cannot hold that name';
      } else {
        const key = localKey(item.name);
        const other = heldKeys.get(key);
        if (other) why = `it would land on the same file as "${other.name}" on this disk`;
        else heldKeys.set(key, item);
      }
      if (why !== undefined) {
        const path = parentPath === '' ? item.name : `${parentPath}/${item.name}`;
        // Already here under another name or place (renamed elsewhere to a name this disk cannot
        // follow): it stays where it is, frozen below, and the report says where.
        const keptAt = rekeyed.items.has(item.id) ? pathOf(rekeyed, item.id) : undefined;
        report(
          state,
          'skipped_name',
          item.id,
          path,
          keptAt !== undefined && keptAt !== path
            ? `Renamed or moved on another device to a name this device cannot follow: ${why}. Kept here as "${keptAt}"; on the server it stays under the new name.`
            : `Not created on this device: ${why}. It stays on the server.`,
        );
        drop(item.id);
        continue;
      }
      localTarget.set(item.id, item);
      queue.push(item.id);
    }
  }

  function drop(id: string): void {
    const stack = [id];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      notHeldLocally.add(current);
      dropped.push(current);
      for (const child of children.get(current) ?? []) stack.push(child.id);
    }
  }

  // Freeze what the disk holds but this pass will not manage: left-out items and skipped names.
  const frozen: TreeItem[] = [];
  const clutter: TreeItem[] = [];
  for (const id of dropped) {
    const onDisk = rekeyed.items.get(id);
    if (onDisk) frozen.push(onDisk);
  }
  for (const id of state.skip) {
    const onDisk = rekeyed.items.get(id);
    if (onDisk) (state.clutter.has(id) ? clutter : frozen).push(onDisk);
  }
  for (const item of frozen) freeze(item);
  // Clutter after everything else, so that it sees which folders stay.
  const goesWithFolder = new Set<string>();
  for (const item of clutter) {
    if (item.parentId !== null && localTarget.has(item.parentId)) freeze(item);
    else goesWithFolder.add(item.id);
  }
  const localStart = goesWithFolder.size === 0 ? rekeyed : without(rekeyed, goesWithFolder);

  function freeze(item: TreeItem): void {
    let current: TreeItem | undefined = item;
    while (current && current.parentId !== null && !localTarget.has(current.id)) {
      localTarget.set(current.id, current);
      notHeldLocally.add(current.id);
      if (current !== item && state.deleted.has(current.id)) {
        report(state, 'kept_ignored', current.id, pathOf(rekeyed, current.id) ?? current.name,
          'Deleted on another device, but kept here: it holds files this device ignores or leaves out.');
      }
      current = rekeyed.items.get(current.parentId);
    }
  }

  return { localStart, localTarget, remoteTarget, mergedTree, notHeldLocally };
}

function rank(localStart: Tree, item: TreeItem): number {
  const onDisk = localStart.items.get(item.id);
  if (!onDisk) return 2;
  return onDisk.parentId === item.parentId && onDisk.name === item.name ? 0 : 1;
}

/** A copy of a tree without some of its files (never folders, so nothing is orphaned). */
function without(tree: Tree, ids: ReadonlySet<string>): Tree {
  const items = new Map(tree.items);
  for (const id of ids) items.delete(id);
  return { rootId: tree.rootId, items };
}

/** The local tree as it will be once the planned re-keys are done (no disk change). */
function rekeyedLocal(state: PlanState): Tree {
  if (state.recreated.size === 0 && state.copies.size === 0) return state.local;
  const items = new Map<string, TreeItem>();
  for (const item of state.local.items.values()) {
    const id = state.recreated.get(item.id) ?? state.copies.get(item.id) ?? item.id;
    const parentId = item.parentId === null ? null : (state.recreated.get(item.parentId) ?? item.parentId);
    items.set(id, id === item.id && parentId === item.parentId ? item : { ...item, id, parentId });
  }
  return { rootId: state.local.rootId, items };
}
