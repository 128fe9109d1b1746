// The three-way merge, item by item: for every id in the base, the local tree or the remote tree,
// decide whether it survives and with which place (parent, name) and which content. Place and
// content are merged independently (identity is stable, so a move and an edit both apply).
// Structure (orphans, cycles, name collisions) is repaired afterwards, in repair.ts.

import { nameKey } from '../../../src-shared/names.ts';
import { conflictedCopyName, isConflictName, originalName } from '../conflict-names.ts';
import { sameContent, samePlace, sameState } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import { childrenOf, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { asLocalProposal, report } from './state.ts';
import type { PlanState } from './state.ts';

export function mergeItems(state: PlanState, excluded: ReadonlySet<string>): void {
  const { local, remote, synced, merged, rootId } = state;
  const root = remote.items.get(rootId) as TreeItem;
  merged.set(rootId, { item: root, metaFrom: 'both', remote: root, remoteOnly: false });
  const keepWhole = foldersReplacedByAFile(state);

  const ids = new Set<string>([...synced.items.keys(), ...local.items.keys(), ...remote.items.keys()]);
  ids.delete(rootId);
  for (const id of ids) {
    const b = synced.items.get(id);
    const l = local.items.get(id);
    const r = remote.items.get(id);
    if (state.skip.has(id)) {
      if (r) merged.set(id, { item: r, metaFrom: 'remote', remote: r, remoteOnly: true });
      else if (l && !b && excluded.has(id) && !state.clutter.has(id) && l.parentId !== null && (synced.items.has(l.parentId) || remote.items.has(l.parentId))) {
        // Reported once, at the top of what is new there (OS clutter is nobody's new content).
        report(state, 'excluded_content', id, localPath(state, id), 'Not uploaded: it is inside a folder this device leaves out (selective sync).');
      }
      continue;
    }
    if (!b) {
      if (l && r) mergeBoth(state, undefined, l, r);
      else if (l) merged.set(id, { item: asLocalProposal(l, id, l.parentId), metaFrom: 'local', remote: undefined, remoteOnly: false });
      else if (r) merged.set(id, { item: r, metaFrom: 'remote', remote: r, remoteOnly: false });
      continue;
    }
    if (!l && !r) {
      state.bookkeeping.push({ kind: 'markSynced', id, item: null });
      continue;
    }
    if (!l) {
      const remoteItem = r as TreeItem;
      if (!sameContent(b, remoteItem) || keepWhole.has(id)) {
        merged.set(id, { item: remoteItem, metaFrom: 'remote', remote: remoteItem, remoteOnly: false });
        if (!sameContent(b, remoteItem)) {
          report(state, 'edit_beat_delete', id, pathOf(remote, id) ?? b.name, 'Deleted here but edited on another device: the edit was kept and comes back.');
        }
      } else {
        state.deleted.set(id, { base: b, local: undefined, remote: remoteItem });
        if (!samePlace(b, remoteItem)) {
          report(state, 'delete_beat_move', id, pathOf(remote, id) ?? b.name, 'Deleted here and moved on another device: the delete was applied (it is in the trash).');
        }
      }
      continue;
    }
    if (!r) {
      if (!sameContent(b, l) || keepWhole.has(id)) {
        recreate(state, l);
        if (!sameContent(b, l)) {
          report(state, 'edit_beat_delete', id, localPath(state, id), 'Deleted on another device but edited here: the edit was kept and is uploaded again.');
        }
      } else {
        state.deleted.set(id, { base: b, local: l, remote: undefined });
        if (!samePlace(b, l)) {
          report(state, 'delete_beat_move', id, localPath(state, id), 'Moved here but deleted on another device: the delete was applied (it is in the trash).');
        }
      }
      continue;
    }
    mergeBoth(state, b, l, r);
  }

  // Items proposed by this device keep pointing at their local parents; follow re-created ones.
  for (const entry of merged.values()) {
    const parentId = entry.item.parentId;
    const renamed = parentId === null ? undefined : state.recreated.get(parentId);
    if (renamed !== undefined) entry.item = { ...entry.item, parentId: renamed };
  }
}

/** The local item comes back on the server under a new id (the server's ids are never reused). */
export function recreate(state: PlanState, l: TreeItem): string {
  const newId = state.options.newId(`recreate:${l.id}`);
  state.recreated.set(l.id, newId);
  state.merged.set(newId, { item: asLocalProposal(l, newId, l.parentId), metaFrom: 'local', remote: undefined, remoteOnly: false });
  return newId;
}

function mergeBoth(state: PlanState, b: TreeItem | undefined, l: TreeItem, r: TreeItem): void {
  const id = r.id;
  const localChanged = b === undefined || !sameContent(b, l);
  const remoteChanged = b === undefined || !sameContent(b, r);
  const conflict = localChanged && remoteChanged && !sameContent(l, r);
  const content = conflict || !localChanged ? r : !remoteChanged ? l : r;

  const localMoved = b === undefined || !samePlace(b, l);
  const remoteMoved = b === undefined || !samePlace(b, r);
  let place: TreeItem = r;
  let metaFrom: 'local' | 'remote' | 'both' = 'remote';
  if (samePlace(l, r)) metaFrom = 'both';
  else if (!localMoved) metaFrom = 'remote';
  else if (!remoteMoved) {
    place = l;
    metaFrom = 'local';
  } else if (b !== undefined) {
    report(state, 'move_refused', id, localPath(state, id), `Moved here and on another device: the server's place won (${pathOf(state.remote, id) ?? r.name}).`);
  }
  const item: TreeItem = {
    ...r,
    parentId: place.parentId,
    name: place.name,
    hash: content.hash,
    size: content.size,
    executable: content.executable,
  };
  if (content.executable === undefined) delete (item as { executable?: boolean }).executable;
  state.merged.set(id, { item, metaFrom, remote: r, remoteOnly: false });
  if (conflict) conflictCopy(state, l);
}

/**
 * Both sides changed the bytes: the server's version keeps the path, ours becomes a conflicted
 * copy beside it. If those exact bytes already sit in a conflicted copy of the same file there,
 * no new copy is made: that is what bounds conflicts on conflicted copies (SCENARIOS #57).
 */
function conflictCopy(state: PlanState, l: TreeItem): void {
  const parentId = l.parentId as string;
  const siblings = [...childrenOf(state.local, parentId), ...childrenOf(state.remote, parentId)];
  const original = nameKey(originalName(l.name, 'file'));
  const duplicate = siblings.find(
    (s) => s.id !== l.id && s.kind === 'file' && sameContent(s, l) && isConflictName(s.name, 'file') && nameKey(originalName(s.name, 'file')) === original,
  );
  const path = localPath(state, l.id);
  if (duplicate) {
    report(state, 'duplicate_conflict', l.id, path, `Edited here and on another device; these bytes are already kept in "${duplicate.name}", so no new copy was made.`);
    return;
  }
  const copyId = state.options.newId(`copy:${l.id}`);
  const name = conflictedCopyName(l.name, {
    kind: 'file',
    siblings: siblings.map((s) => s.name),
    device: state.options.device,
    now: state.options.now,
  });
  state.copies.set(l.id, copyId);
  state.conflictRenamed.add(copyId);
  state.merged.set(copyId, { item: { ...asLocalProposal(l, copyId, parentId), name }, metaFrom: 'local', remote: undefined, remoteOnly: false });
  report(state, 'edit_conflict', copyId, path, `Edited here and on another device: the other version keeps the name, ours is kept as "${name}".`);
}

/**
 * SCENARIOS #20: one side replaced folder F by a file F while the other changed something inside
 * F. That is a type conflict, not a delete: the folder survives with ALL its content (it will be
 * renamed to a conflicted copy because the file now holds its name). Returns the ids inside such
 * folders whose deletion must not propagate.
 */
function foldersReplacedByAFile(state: PlanState): Set<string> {
  const keep = new Set<string>();
  for (const b of state.synced.items.values()) {
    if (b.kind !== 'folder' || b.parentId === null || state.skip.has(b.id)) continue;
    const inLocal = state.local.items.has(b.id);
    const inRemote = state.remote.items.has(b.id);
    if (inLocal === inRemote) continue;
    const deleter = inLocal ? state.remote : state.local;
    const keeper = inLocal ? state.local : state.remote;
    const key = nameKey(b.name);
    const replaced = childrenOf(deleter, b.parentId).some((c) => c.kind === 'file' && nameKey(c.name) === key);
    if (!replaced) continue;
    const inside = descendants(keeper, b.id);
    const changedInside = inside.some((d) => {
      if (state.clutter.has(d.id)) return false; // OS clutter is nobody's change (#35)
      const base = state.synced.items.get(d.id);
      return base === undefined || !sameState(base, d);
    });
    if (changedInside) for (const d of inside) keep.add(d.id);
  }
  return keep;
}

function descendants(tree: Tree, id: string): TreeItem[] {
  const out: TreeItem[] = [];
  const queue = [id];
  for (let head = 0; head < queue.length; head++) {
    for (const child of childrenOf(tree, queue[head] as string)) {
      out.push(child);
      queue.push(child.id);
    }
  }
  return out;
}

function localPath(state: PlanState, id: string): string {
  return pathOf(state.local, id) ?? pathOf(state.remote, id) ?? id;
}
