// Makes the merged tree a tree again. Merging places item by item can leave:
//  - orphans: a folder deleted on one side holds something new from the other side
//    -> the folder comes back (only as a container: what else was deleted stays deleted);
//  - cycles: X moved into Y here, Y moved into X there -> our moves in the cycle are undone;
//  - name collisions (ignoring case): the server's item keeps the name; our moved item goes back
//    to its server place; our new item is renamed to a conflicted-copy / "(case conflict)" name.
// Each fix can cause another (a reverted move may land under a deleted folder), so the passes
// repeat; every fix is monotone (a revert only ever goes local -> remote, a deleted item comes
// back at most once, a rename picks a free name), which bounds the loop.

import { TandemError } from '../../../src-shared/errors.ts';
import { nameKey } from '../../../src-shared/names.ts';
import { caseConflictName, conflictedCopyName } from '../conflict-names.ts';
import { pathOf } from '../tree/tree.ts';
import { recreate } from './merge.ts';
import { report } from './state.ts';
import type { Merged, PlanState } from './state.ts';

const MAX_PASSES = 1000;

export function repairStructure(state: PlanState): void {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = restoreContainers(state);
    changed = breakCycles(state) || changed;
    changed = resolveCollisions(state) || changed;
    if (!changed) return;
  }
  throw new TandemError('internal', 'The planner could not settle the folder structure; nothing was changed.');
}

function childIndex(state: PlanState): Map<string, Merged[]> {
  const index = new Map<string, Merged[]>();
  for (const entry of state.merged.values()) {
    const parentId = entry.item.parentId;
    if (parentId === null) continue;
    const list = index.get(parentId);
    if (list) list.push(entry);
    else index.set(parentId, [entry]);
  }
  return index;
}

function restoreContainers(state: PlanState): boolean {
  let changed = false;
  const index = childIndex(state);
  const queue = [...state.merged.values()];
  for (let head = 0; head < queue.length; head++) {
    const entry = queue[head] as Merged;
    const parentId = entry.item.parentId;
    if (parentId === null || state.merged.has(parentId)) continue;
    changed = true;
    const recreatedAs = state.recreated.get(parentId);
    if (recreatedAs !== undefined) {
      entry.item = { ...entry.item, parentId: recreatedAs };
      queue.push(entry);
      continue;
    }
    const gone = state.deleted.get(parentId);
    if (gone?.remote) {
      state.deleted.delete(parentId);
      const restored: Merged = { item: gone.remote, metaFrom: 'remote', remote: gone.remote, remoteOnly: false };
      state.merged.set(parentId, restored);
      queue.push(restored);
      report(state, 'folder_restored', parentId, pathOf(state.remote, parentId) ?? gone.base.name,
        'Deleted here, but another device put something new inside: the folder comes back for it.');
    } else if (gone?.local) {
      state.deleted.delete(parentId);
      const newId = recreate(state, gone.local);
      const restored = state.merged.get(newId) as Merged;
      for (const child of index.get(parentId) ?? []) child.item = { ...child.item, parentId: newId };
      queue.push(restored);
      report(state, 'folder_restored', newId, pathOf(state.local, parentId) ?? gone.base.name,
        'Deleted on another device, but something new is inside it here: the folder is kept for it and uploaded again.');
    } else {
      throw new TandemError('internal', `The planner lost the folder ${parentId}; nothing was changed.`);
    }
  }
  return changed;
}

function revertToRemote(state: PlanState, entry: Merged, why: string): void {
  const remote = entry.remote;
  if (!remote) return;
  const path = pathOf(state.local, entry.item.id) ?? entry.item.name;
  entry.item = { ...entry.item, parentId: remote.parentId, name: remote.name };
  entry.metaFrom = 'remote';
  report(state, 'move_refused', entry.item.id, path, `Our move was undone: ${why}; it stays at ${pathOf(state.remote, remote.id) ?? remote.name}.`);
}

function breakCycles(state: PlanState): boolean {
  let changed = false;
  const color = new Map<string, 1 | 2>();
  for (const start of state.merged.keys()) {
    if (color.has(start)) continue;
    const path: string[] = [];
    let current: string | null = start;
    while (current !== null && state.merged.has(current) && !color.has(current)) {
      color.set(current, 1);
      path.push(current);
      current = (state.merged.get(current) as Merged).item.parentId;
    }
    if (current !== null && color.get(current) === 1) {
      const cycle = path.slice(path.indexOf(current)).map((id) => state.merged.get(id) as Merged);
      const ours = cycle.filter((entry) => entry.metaFrom === 'local' && entry.remote);
      if (ours.length === 0) throw new TandemError('internal', 'The planner met a cycle it did not make; nothing was changed.');
      for (const entry of ours) revertToRemote(state, entry, 'it would have put a folder inside itself');
      changed = true;
    }
    for (const id of path) color.set(id, 2);
  }
  return changed;
}

function resolveCollisions(state: PlanState): boolean {
  let changed = false;
  const index = childIndex(state);
  for (const children of index.values()) {
    if (children.length < 2) continue;
    const byKey = new Map<string, Merged[]>();
    for (const child of children) {
      const key = nameKey(child.item.name);
      const group = byKey.get(key);
      if (group) group.push(child);
      else byKey.set(key, [child]);
    }
    for (const group of byKey.values()) {
      if (group.length < 2) continue;
      const atServerPlace = (m: Merged) => m.remoteOnly || (m.remote !== undefined && m.metaFrom !== 'local');
      let keeper = group.find(atServerPlace);
      if (!keeper) {
        // Nobody holds the name on the server: our moves go back, one of our new items keeps it.
        for (const entry of group) if (entry.remote) revertToRemote(state, entry, 'another item took that name');
        const fresh = group.filter((m) => !m.remote).sort((a, b) => cmp(a.item.name, b.item.name) || cmp(a.item.id, b.item.id));
        keeper = fresh[0];
        changed = true;
      }
      for (const entry of group) {
        if (entry === keeper || atServerPlace(entry)) continue;
        changed = true;
        if (entry.remote) {
          revertToRemote(state, entry, 'the name is taken on the server');
          continue;
        }
        const siblings = children.map((c) => c.item.name);
        const exact = group.some((other) => other !== entry && other.item.name === entry.item.name);
        const path = pathOf(state.local, entry.item.id) ?? entry.item.name;
        const name = exact
          ? conflictedCopyName(entry.item.name, { kind: entry.item.kind, siblings, device: state.options.device, now: state.options.now })
          : caseConflictName(entry.item.name, { kind: entry.item.kind, siblings });
        entry.item = { ...entry.item, name };
        state.conflictRenamed.add(entry.item.id);
        report(state, exact ? 'name_conflict' : 'case_conflict', entry.item.id, path,
          exact
            ? `Another device created the same name: ours is kept as "${name}".`
            : `The server already has a name differing only by case: ours is kept as "${name}".`);
      }
    }
  }
  return changed;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
