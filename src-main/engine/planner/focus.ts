// Narrows the three trees to the part a plan can touch, so a pass that carries one change costs in
// proportion to that change, not to the folder (100k settled items planned whole: ~1 s a pass).
// An item is SETTLED when all three trees hold it in the same place with the same content: no
// phase of the planner makes an operation for it, but some phases read it as context. What stays:
//  - every unsettled item (created, deleted, moved, renamed or edited on either side);
//  - everything the skip phase leaves out (excluded, ignored, clutter), with all inside it, so
//    the skip sets and the files counted for the mass-delete guard come out as for whole trees;
//  - the siblings, in every tree, of an unsettled item that takes or leaves a name: pairing, name
//    collisions, conflicted-copy and case-conflict names all look at the other names in a folder.
//    Not for an edit made on one side only in an unmoved file: it takes no name;
//  - everything inside a folder that moves, when this disk has name rules: the rules read the
//    whole path (its length), so a moved folder's content is checked again;
//  - the ancestors, in every tree, of all of the above, so each narrowed tree is still a tree.
// The narrowed trees list their items in id order, so the plan is the one the whole trees give
// when listed in id order (planner.focus.test.ts proves it over random trees), whatever order
// they came in. Which items are unsettled is found without walking the trees on most passes
// (candidates, below). What it gives up: a settled region that is malformed in all three trees
// alike (an orphan, a cycle) is no longer reported, only left alone; and a change of name rules
// alone (a settled name the disk can no longer hold) waits until the item changes.

import { localContentTest, sameContent, samePlace } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';
import { LayeredMap } from '../tree/layered-map.ts';
import { childrenOf } from '../tree/tree.ts';
import type { PlanInput } from './operations.ts';
import { closeOver } from './skip.ts';

export interface Focus {
  /** The same input, each tree narrowed to the items a plan can touch or must read. */
  input: PlanInput;
  /** Files of the synced tree left out (settled, not skipped): the mass-delete guard counts them. */
  settledFiles: number;
}

export function focus(input: PlanInput): Focus {
  const { local, remote, synced, options } = input;
  const trees = [local, remote, synced];
  const keep = new Set<string>([local.rootId]);
  const add = (id: string) => keep.add(id);

  const ignored = options.ignoredLocalIds ?? new Set<string>();
  const skipped = closeOver(trees, [...(options.excludedIds ?? []), ...ignored, ...(options.clutterLocalIds ?? [])]);
  for (const id of skipped) add(id);

  const sameLocalContent = localContentTest(options.localExecBits !== false);
  const namingFolders = new Set<string>();
  const movedFolders: string[] = [];
  for (const id of candidates(local.items, remote.items, synced.items, options.localExecBits !== false)) {
    const here = local.items.get(id);
    const there = remote.items.get(id);
    const base = synced.items.get(id);
    if (settled(here, there, base, sameLocalContent)) continue;
    add(id);
    if (skipped.has(id)) continue;
    const present = [here, there, base].filter((item) => item !== undefined);
    const unmoved = present.length === 3 && samePlace(here!, base!) && samePlace(there!, base!);
    if (unmoved && (sameLocalContent(here!, base!) || sameContent(there!, base!))) continue;
    for (const item of present) if (item.parentId !== null) namingFolders.add(item.parentId);
    if (!unmoved && present[0]?.kind === 'folder') movedFolders.push(id);
  }

  for (const folderId of namingFolders) for (const tree of trees) for (const child of childrenOf(tree, folderId)) add(child.id);
  if (options.canHoldName && movedFolders.length > 0) for (const id of closeOver(trees, movedFolders)) add(id);

  // Ancestors last: everything added above is a start, and a Set iterates what is added meanwhile.
  for (const id of keep) {
    for (const tree of trees) {
      const parentId = tree.items.get(id)?.parentId;
      if (parentId !== null && parentId !== undefined) add(parentId);
    }
  }

  // In id order, whatever order the whole trees came in: the same changes always plan alike.
  const ids = [...keep].sort();
  let keptFiles = 0;
  const narrowed = (tree: Tree): Tree => {
    const items = new Map<string, TreeItem>();
    for (const id of ids) {
      const item = tree.items.get(id);
      if (item !== undefined) items.set(id, item);
    }
    return { rootId: tree.rootId, items };
  };
  const narrowedSynced = narrowed(synced);
  for (const item of narrowedSynced.items.values()) if (item.kind === 'file') keptFiles++;
  return { input: { local: narrowed(local), remote: narrowed(remote), synced: narrowedSynced, options }, settledFiles: fileCount(synced.items) - keptFiles };
}

type Items = ReadonlyMap<string, TreeItem>;
type ContentTest = (a: TreeItem, b: TreeItem) => boolean;

function settled(here: TreeItem | undefined, there: TreeItem | undefined, base: TreeItem | undefined, sameLocalContent: ContentTest): boolean {
  return here !== undefined && there !== undefined && base !== undefined && samePlace(here, base) && samePlace(there, base) && sameLocalContent(here, base) && sameContent(there, base);
}

const baseOf = (items: Items): Items => (items instanceof LayeredMap ? items.base : items);
const changedIn = (items: Items): Iterable<string> => (items instanceof LayeredMap ? items.changedKeys() : []);

/** The unsettled ids of three flat maps, remembered for the local one (see candidates). */
interface BaseDiff {
  remote: Items;
  synced: Items;
  execBits: boolean;
  unsettled: readonly string[];
}
const baseDiffs = new WeakMap<Items, BaseDiff>();

/**
 * Every id that may be unsettled: those of the trees' shared bases (one walk per new base,
 * remembered), plus what each tree's layer changed. The engine's trees are patches of bases that
 * are flattened only every few hundred patches (layered-map.ts), so most passes walk no tree.
 */
function candidates(local: Items, remote: Items, synced: Items, execBits: boolean): Set<string> {
  const localBase = baseOf(local);
  const remoteBase = baseOf(remote);
  const syncedBase = baseOf(synced);
  let diff = baseDiffs.get(localBase);
  if (diff === undefined || diff.remote !== remoteBase || diff.synced !== syncedBase || diff.execBits !== execBits) {
    diff = { remote: remoteBase, synced: syncedBase, execBits, unsettled: unsettledIds(localBase, remoteBase, syncedBase, localContentTest(execBits)) };
    baseDiffs.set(localBase, diff);
  }
  const ids = new Set(diff.unsettled);
  for (const items of [local, remote, synced]) for (const id of changedIn(items)) ids.add(id);
  return ids;
}

function unsettledIds(local: Items, remote: Items, synced: Items, sameLocalContent: ContentTest): string[] {
  const ids: string[] = [];
  for (const here of local.values()) if (!settled(here, remote.get(here.id), synced.get(here.id), sameLocalContent)) ids.push(here.id);
  for (const there of remote.values()) if (!local.has(there.id)) ids.push(there.id);
  for (const base of synced.values()) if (!local.has(base.id) && !remote.has(base.id)) ids.push(base.id);
  return ids;
}

const fileCounts = new WeakMap<Items, number>();

/** Files in a tree's items: counted once per flat map, then adjusted by a layer's changes. */
function fileCount(items: Items): number {
  const known = fileCounts.get(items);
  if (known !== undefined) return known;
  let count = 0;
  if (items instanceof LayeredMap) {
    const base = items.base;
    count = fileCount(base);
    for (const id of items.changedKeys()) count += (items.get(id)?.kind === 'file' ? 1 : 0) - (base.get(id)?.kind === 'file' ? 1 : 0);
  } else {
    for (const item of items.values()) if (item.kind === 'file') count++;
  }
  fileCounts.set(items, count);
  return count;
}
