// The executor's working copy of the three trees while it runs a plan. Each finished operation
// changes the local and/or remote tree here, then `settle` advances the base the way the planner
// expects (planner.ts top comment; test-support/world.ts is the model): what both sides now agree
// on becomes the base ASPECT BY ASPECT — same bytes -> base bytes; same place -> base place; an
// item new to the base enters only when both agree on everything; both gone -> forget it. The
// changes are collected so the store writes exactly them, in one transaction with the journal.

import { sameContent, samePlace, sameState } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';
import type { LocalFacts, StateChanges } from './ports.ts';

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

  constructor(trees: TreeSet) {
    this.rootId = trees.remote.rootId;
    this.local = new Map(trees.local.items);
    this.remote = new Map(trees.remote.items);
    this.synced = new Map(trees.synced.items);
  }

  putLocal(changes: StateChanges, item: TreeItem): void {
    this.local.set(item.id, item);
    record(changes, 'local', item);
  }

  removeLocal(changes: StateChanges, id: string): void {
    this.local.delete(id);
    forget(changes, 'local', id);
  }

  putRemote(changes: StateChanges, item: TreeItem): void {
    this.remote.set(item.id, item);
    record(changes, 'remote', item);
  }

  removeRemote(changes: StateChanges, id: string): void {
    this.remote.delete(id);
    forget(changes, 'remote', id);
  }

  /** A temporary (parking) move is the engine's own step: the base moves with it. */
  parkBase(changes: StateChanges, id: string, parentId: string, name: string): void {
    const base = this.synced.get(id);
    if (!base) return;
    const moved = { ...base, parentId, name };
    this.synced.set(id, moved);
    record(changes, 'synced', moved);
  }

  setBase(changes: StateChanges, id: string, item: TreeItem | null): void {
    if (item === null) {
      this.synced.delete(id);
      forget(changes, 'synced', id);
    } else {
      this.synced.set(id, item);
      record(changes, 'synced', item);
    }
  }

  /** Advances the base for these ids, aspect by aspect (see the file comment). */
  settle(changes: StateChanges, ...ids: string[]): void {
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

function record(changes: StateChanges, tree: 'local' | 'remote' | 'synced', item: TreeItem): void {
  const change = (changes[tree] ??= {});
  change.remove = (change.remove ?? []).filter((id) => id !== item.id);
  change.put = [...(change.put ?? []).filter((other) => other.id !== item.id), item];
}

function forget(changes: StateChanges, tree: 'local' | 'remote' | 'synced', id: string): void {
  const change = (changes[tree] ??= {});
  change.put = (change.put ?? []).filter((other) => other.id !== id);
  change.remove = [...(change.remove ?? []).filter((other) => other !== id), id];
}

export function putFacts(changes: StateChanges, id: string, facts: LocalFacts): void {
  const f = (changes.facts ??= {});
  f.remove = (f.remove ?? []).filter((other) => other !== id);
  f.put = [...(f.put ?? []).filter(([other]) => other !== id), [id, facts]];
}

export function removeFacts(changes: StateChanges, id: string): void {
  const f = (changes.facts ??= {});
  f.put = (f.put ?? []).filter(([other]) => other !== id);
  f.remove = [...(f.remove ?? []).filter((other) => other !== id), id];
}
