// Test support: compact builders for trees, by path. `file('a/b.txt', 'h1')` makes a file item
// whose id is its path (unless given), parent found by path; hashes are short labels.

import type { TreeItem } from '../../tree/item.ts';
import { newWorld, ROOT, rootItem } from './world.ts';
import type { World } from './world.ts';

export interface Spec {
  path: string;
  kind: 'file' | 'folder';
  id?: string;
  hash?: string;
  executable?: boolean;
}

export const file = (path: string, hash: string, id?: string, executable?: boolean): Spec => ({ path, kind: 'file', hash, id, executable });
export const folder = (path: string, id?: string): Spec => ({ path, kind: 'folder', id });

/** Items from specs, parents before children; a parent's id is looked up by its path. */
export function items(specs: Spec[], versions = false): TreeItem[] {
  const idByPath = new Map<string, string>([['', ROOT]]);
  const out: TreeItem[] = [rootItem()];
  for (const spec of specs) {
    const slash = spec.path.lastIndexOf('/');
    const parentPath = slash < 0 ? '' : spec.path.slice(0, slash);
    const name = spec.path.slice(slash + 1);
    const parentId = idByPath.get(parentPath);
    if (parentId === undefined) throw new Error(`test setup: no folder ${parentPath} for ${spec.path}`);
    const id = spec.id ?? spec.path;
    idByPath.set(spec.path, id);
    const item: TreeItem =
      spec.kind === 'folder'
        ? { id, parentId, name, kind: 'folder' }
        : { id, parentId, name, kind: 'file', hash: spec.hash, size: (spec.hash ?? '').length, ...(spec.executable ? { executable: true } : {}) };
    out.push(versions ? { ...item, metadataVersion: 1, contentVersion: 1 } : item);
  }
  return out;
}

/** A world from three spec lists (the server's items get versions). */
export function world(local: Spec[], server: Spec[], synced: Spec[]): World {
  return newWorld(items(local), items(server, true), items(synced, true));
}

/** A world where all three sides start equal. */
export function syncedWorld(specs: Spec[]): World {
  return world(specs, specs, specs);
}

/** Path -> "kind:hash" of one side, for readable assertions. */
export function listing(map: Map<string, TreeItem>): Record<string, string> {
  const out: Record<string, string> = {};
  const pathOf = (id: string): string => {
    const item = map.get(id) as TreeItem;
    if (item.parentId === null) return '';
    const parent = pathOf(item.parentId);
    return parent === '' ? item.name : `${parent}/${item.name}`;
  };
  for (const item of map.values()) {
    if (item.parentId === null) continue;
    out[pathOf(item.id)] = item.kind === 'folder' ? 'folder' : `file:${item.hash}${item.executable ? '+x' : ''}`;
  }
  return out;
}
