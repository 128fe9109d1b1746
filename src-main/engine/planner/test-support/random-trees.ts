// Test support: random CORRELATED trees. A base is grown by random actions; local and remote are
// then the base changed independently by more random actions (edits, creates, moves, renames,
// deletes, exec-bit flips, file<->folder replacements). Actions are tuples of numbers that are
// interpreted against the tree at hand, so fast-check can shrink them. Every content is a fresh
// hash, so "which bytes survived" can be checked exactly; bytes a user deleted or overwrote on
// purpose are recorded in `gone`.

import fc from 'fast-check';
import { nameKey } from '../../../../src-shared/names.ts';
import type { TreeItem } from '../../tree/item.ts';
import { ROOT } from './world.ts';

export type Action = [number, number, number, number];

export const actionArb: fc.Arbitrary<Action> = fc.tuple(fc.nat(10), fc.nat(999), fc.nat(999), fc.nat(999));
export const actionsArb = (max: number) => fc.array(actionArb, { maxLength: max, size: 'max' });

const NAMES = ['a', 'b', 'A', 'c.txt', 'C.TXT', 'd', 'e.md', 'f'];

export interface Actor {
  /** Prefix for new ids and hashes ("L", "R", "B", …). */
  prefix: string;
  /** Bumps versions like the server does (for the remote side). */
  server: boolean;
  key: (name: string) => string;
  counter: { n: number };
  gone: Set<string>;
  seen: Set<string>;
}

export function actor(prefix: string, server: boolean, counter: { n: number }, gone: Set<string>, seen: Set<string>, key = nameKey): Actor {
  return { prefix, server, key, counter, gone, seen };
}

function fresh(actor: Actor): string {
  actor.counter.n++;
  return `${actor.prefix}${actor.counter.n}`;
}

function children(map: Map<string, TreeItem>, id: string): TreeItem[] {
  return [...map.values()].filter((i) => i.parentId === id);
}

function taken(map: Map<string, TreeItem>, parentId: string, name: string, actor: Actor, except?: string): boolean {
  const key = actor.key(name);
  return children(map, parentId).some((c) => c.id !== except && actor.key(c.name) === key);
}

function inside(map: Map<string, TreeItem>, id: string, folderId: string): boolean {
  for (let current: string | null = folderId; current !== null; current = map.get(current)?.parentId ?? null) {
    if (current === id) return true;
  }
  return false;
}

function removeSubtree(map: Map<string, TreeItem>, id: string, actor: Actor): void {
  for (const child of children(map, id)) removeSubtree(map, child.id, actor);
  const item = map.get(id);
  if (item?.hash) actor.gone.add(item.hash);
  map.delete(id);
}

function versions(actor: Actor, item: TreeItem, bumpMeta: boolean, bumpContent: boolean): TreeItem {
  if (!actor.server) return item;
  return {
    ...item,
    metadataVersion: (item.metadataVersion ?? 0) + (bumpMeta ? 1 : 0),
    contentVersion: (item.contentVersion ?? 0) + (bumpContent ? 1 : 0),
  };
}

/** Applies one random user action to a side; returns false when it did not apply. */
export function act(map: Map<string, TreeItem>, [kind, a, b, c]: Action, actor: Actor, sharedHash?: string): boolean {
  const all = [...map.values()].filter((i) => i.id !== ROOT);
  const folders = [...map.values()].filter((i) => i.kind === 'folder');
  const files = all.filter((i) => i.kind === 'file');
  const folder = folders[a % folders.length] as TreeItem;
  const name = NAMES[b % NAMES.length] as string;
  const hash = sharedHash ?? `${fresh(actor)}h`;
  switch (kind) {
    case 0:
    case 1: {
      // edit a file
      const f = files[a % Math.max(files.length, 1)];
      if (!f) return false;
      if (f.hash) actor.gone.add(f.hash);
      actor.seen.add(hash);
      map.set(f.id, versions(actor, { ...f, hash, size: c }, false, true));
      return true;
    }
    case 2:
    case 3: {
      // create a file or a folder
      if (taken(map, folder.id, name, actor)) return false;
      const id = fresh(actor);
      const item: TreeItem = kind === 2 ? { id, parentId: folder.id, name, kind: 'file', hash, size: c } : { id, parentId: folder.id, name, kind: 'folder' };
      if (item.hash) actor.seen.add(item.hash);
      map.set(id, actor.server ? { ...item, metadataVersion: 1, contentVersion: 1 } : item);
      return true;
    }
    case 4:
    case 5:
    case 6: {
      // move and/or rename
      const x = all[c % Math.max(all.length, 1)];
      if (!x) return false;
      const target = kind === 6 ? (map.get(x.parentId as string) as TreeItem) : folder;
      const newName = kind === 5 ? x.name : name;
      if (inside(map, x.id, target.id) || taken(map, target.id, newName, actor, x.id)) return false;
      if (x.parentId === target.id && x.name === newName) return false;
      map.set(x.id, versions(actor, { ...x, parentId: target.id, name: newName }, true, false));
      return true;
    }
    case 7:
    case 8: {
      // delete (a folder with everything inside)
      const x = all[c % Math.max(all.length, 1)];
      if (!x) return false;
      removeSubtree(map, x.id, actor);
      return true;
    }
    case 9: {
      // flip the executable bit
      const f = files[a % Math.max(files.length, 1)];
      if (!f) return false;
      map.set(f.id, versions(actor, { ...f, executable: !(f.executable ?? false) }, false, true));
      return true;
    }
    default: {
      // replace an item by one of the other kind at the same place (a new id)
      const x = all[c % Math.max(all.length, 1)];
      if (!x) return false;
      removeSubtree(map, x.id, actor);
      const id = fresh(actor);
      const item: TreeItem =
        x.kind === 'folder' ? { id, parentId: x.parentId, name: x.name, kind: 'file', hash, size: c } : { id, parentId: x.parentId, name: x.name, kind: 'folder' };
      if (item.hash) actor.seen.add(item.hash);
      map.set(id, actor.server ? { ...item, metadataVersion: 1, contentVersion: 1 } : item);
      return true;
    }
  }
}
