// The executor's working copy of the three trees while it runs a plan. Each finished operation
// changes the local and/or remote tree here, then `settle` advances the base the way the planner
// expects (planner.ts top comment; test-support/world.ts is the model): what both sides now agree
// on becomes the base ASPECT BY ASPECT — same bytes -> base bytes; same place -> base place; an
// item new to the base enters only when both agree on everything; both gone -> forget it. The
// changes are collected (change-set.ts) so the store writes exactly them, in one transaction with
// the journal.

import { sameContent, samePlace, sameState } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';
import type { ChangeSet } from './change-set.ts';

export interface TreeSet {
  local: Tree;
  remote: Tree;
  synced: Tree;
}

export class WorkingTrees {
  readonly rootId: string;
  readonly local: Map<string, TreeItem>;
  readonly remote: Map<string, TreeItem>;
  readonly synced: Map<string, TreeItem>;

  /** parentId -> child ids of the local tree, kept up to date (re-keys move whole families). */
  readonly #localChildren = new Map<string, Set<string>>();

  constructor(trees: TreeSet) {
    this.rootId = trees.remote.rootId;
    this.local = new Map(trees.local.items);
    this.remote = new Map(trees.remote.items);
    this.synced = new Map(trees.synced.items);
    for (const item of this.local.values()) this.#link(item);
  }

  #link(item: TreeItem): void {
    if (item.parentId === null) return;
    let set = this.#localChildren.get(item.parentId);
    if (!set) this.#localChildren.set(item.parentId, (set = new Set()));
    set.add(item.id);
  }

  #unlink(item: TreeItem | undefined): void {
    if (item?.parentId) this.#localChildren.get(item.parentId)?.delete(item.id);
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

  /** The local tree's children of a folder. */
  localChildren(id: string): TreeItem[] {
    return [...(this.#localChildren.get(id) ?? [])].flatMap((child) => this.local.get(child) ?? []);
  }

  putLocal(changes: ChangeSet, item: TreeItem): void {
    this.#unlink(this.local.get(item.id));
    this.#link(item);
    this.local.set(item.id, item);
    changes.put('local', item);
  }

  removeLocal(changes: ChangeSet, id: string): void {
    this.#unlink(this.local.get(id));
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

  snapshot(): TreeSet {
    return {
      local: { rootId: this.rootId, items: new Map(this.local) },
      remote: { rootId: this.rootId, items: new Map(this.remote) },
      synced: { rootId: this.rootId, items: new Map(this.synced) },
    };
  }
}
