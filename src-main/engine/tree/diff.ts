// Diffing a tree against the base (the synced tree) into per-item changes: what one side did since
// both sides last agreed. Linear in the size of both trees.

import { samePlace, sameContent } from './item.ts';
import type { TreeItem } from './item.ts';
import type { Tree } from './tree.ts';

export interface ItemChange {
  id: string;
  base: TreeItem | undefined;
  current: TreeItem | undefined;
  created: boolean;
  deleted: boolean;
  /** Parent changed. */
  moved: boolean;
  /** Name changed (including case-only renames). */
  renamed: boolean;
  /** Files: bytes or executable bit changed. */
  contentChanged: boolean;
  /** File became folder or the other way (only when the id was kept, which the engine forbids). */
  typeChanged: boolean;
}

/** Every item that differs between base and current, keyed by id; unchanged items are absent. */
export function diffTrees(base: Tree, current: Tree): Map<string, ItemChange> {
  const changes = new Map<string, ItemChange>();
  for (const [id, now] of current.items) {
    const before = base.items.get(id);
    if (!before) {
      changes.set(id, change(id, before, now, { created: true }));
      continue;
    }
    if (samePlace(before, now) && sameContent(before, now)) continue;
    const typeChanged = before.kind !== now.kind;
    changes.set(
      id,
      change(id, before, now, {
        moved: before.parentId !== now.parentId,
        renamed: before.name !== now.name,
        typeChanged,
        contentChanged: !typeChanged && !sameContent(before, now),
      }),
    );
  }
  for (const [id, before] of base.items) {
    if (!current.items.has(id)) changes.set(id, change(id, before, undefined, { deleted: true }));
  }
  return changes;
}

function change(
  id: string,
  base: TreeItem | undefined,
  current: TreeItem | undefined,
  flags: Partial<Pick<ItemChange, 'created' | 'deleted' | 'moved' | 'renamed' | 'contentChanged' | 'typeChanged'>>,
): ItemChange {
  return {
    id,
    base,
    current,
    created: flags.created ?? false,
    deleted: flags.deleted ?? false,
    moved: flags.moved ?? false,
    renamed: flags.renamed ?? false,
    contentChanged: flags.contentChanged ?? false,
    typeChanged: flags.typeChanged ?? false,
  };
}
