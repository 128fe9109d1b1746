// The executor's working copy of the three trees while it runs a plan. Each finished operation
// changes the local and/or remote tree here, then `settle` advances the base the way the planner
// expects (planner.ts top comment; test-support/world.ts is the model): what both sides now agree
// on becomes the base ASPECT BY ASPECT — same bytes -> base bytes; same place -> base place; an
// item new to the base enters only when both agree on everything; both gone -> forget it. The
// changes are collected (change-set.ts) so the store writes exactly them, in one transaction with
// the journal. The trees are overlays of the ones the run started from, never copies: a run of one
// operation in a 100k-item folder costs that operation.

import { sameContent, samePlace, sameState } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import { Overlay } from '../tree/overlay.ts';
import { childrenOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import type { ChangeSet } from './change-set.ts';

export interface TreeSet {
  local: Tree;
  remote: Tree;
  synced: Tree;
}

export class WorkingTrees {
  readonly rootId: string;
  readonly local: Overlay;
  readonly remote: Overlay;
  readonly synced: Overlay;
  readonly #start: TreeSet;
  /** parentId -> ids of local items changed while running that are (or were) in that folder. */
  readonly #changedChildren = new Map<string, Set<string>>();

  constructor(trees: TreeSet) {
    this.rootId = trees.remote.rootId;
    this.#start = trees;
    this.local = new Overlay(trees.local.items);
    this.remote = new Overlay(trees.remote.items);
    this.synced = new Overlay(trees.synced.items);
  }

  /** Where item `id` is on the disk now ('' for the root), or undefined if not in the local tree. */
  localPath(id: string): string | undefined {
    const names: string[] = [];
    let current = this.local.get(id);
    for (let guard = 0; current && current.id !== this.rootId; guard++) {
      if (guard > this.local.size) return undefined;
      names.push(current.name);
      current = current.parentId === null ? undefined : this.local.get(current.parentId);
    }
    if (!current) return undefined;
    return names.reverse().join('/');
  }

  /** The local tree's children of a folder now: those it started with, less and plus what changed. */
  localChildren(id: string): TreeItem[] {
    const ids = new Set(childrenOf(this.#start.local, id).map((child) => child.id));
    for (const changed of this.#changedChildren.get(id) ?? []) ids.add(changed);
    return [...ids].flatMap((childId) => {
      const now = this.local.get(childId);
      return now?.parentId === id ? [now] : [];
    });
  }

  putLocal(changes: ChangeSet, item: TreeItem): void {
    if (item.parentId !== null) {
      let ids = this.#changedChildren.get(item.parentId);
      if (!ids) this.#changedChildren.set(item.parentId, (ids = new Set()));
      ids.add(item.id);
    }
    this.local.set(item.id, item);
    changes.put('local', item);
  }

  removeLocal(changes: ChangeSet, id: string): void {
    this.local.delete(id);
    changes.remove('local', id);
  }

  putRemote(changes: ChangeSet, item: TreeItem): void {
    this.remote.set(item.id, item);
    changes.put('remote', item);
  }

  removeRemote(changes: ChangeSet, id: string): void {
    this.remote.delete(id);
    changes.remove('remote', id);
  }

  /** A temporary (parking) move is the engine's own step: the base moves with it. */
  parkBase(changes: ChangeSet, id: string, parentId: string, name: string): void {
    const base = this.synced.get(id);
    if (!base) return;
    const moved = { ...base, parentId, name };
    this.synced.set(id, moved);
    changes.put('synced', moved);
  }

  setBase(changes: ChangeSet, id: string, item: TreeItem | null): void {
    if (item === null) {
      this.synced.delete(id);
      changes.remove('synced', id);
    } else {
      this.synced.set(id, item);
      changes.put('synced', item);
    }
  }

  /** Advances the base for these ids, aspect by aspect (see the file comment). */
  settle(changes: ChangeSet, ...ids: string[]): void {
    for (const id of ids) {
      const l = this.local.get(id);
      const s = this.remote.get(id);
      const b = this.synced.get(id);
      if (!l && !s) {
        if (b) this.setBase(changes, id, null);
        continue;
      }
      if (!l || !s) continue;
      if (sameState(l, s)) this.setBase(changes, id, s);
      else if (b && sameContent(l, s)) this.setBase(changes, id, { ...s, parentId: b.parentId, name: b.name });
      else if (b && samePlace(l, s)) this.setBase(changes, id, { ...b, parentId: s.parentId, name: s.name });
    }
  }

  /** The trees now, as patches of the ones the run started from (they share everything else). */
  snapshot(): TreeSet {
    return { local: this.local.patched(this.#start.local), remote: this.remote.patched(this.#start.remote), synced: this.synced.patched(this.#start.synced) };
  }
}
