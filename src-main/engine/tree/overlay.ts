// A writable view of a tree's items: changes are kept beside the untouched items map, so a plan
// step or an executor run over a 100k-item tree costs what it changes, not a copy of the tree.
// `patched` turns the changes back into a Tree that shares the original's base (patchTree), so
// the next planner pass finds the trees it planned before (planner/focus.ts) instead of new ones.

import type { TreeItem } from './item.ts';
import { patchTree } from './tree.ts';
import type { Tree } from './tree.ts';

export class Overlay {
  readonly #base: ReadonlyMap<string, TreeItem>;
  /** id -> the item now, or undefined when removed. */
  readonly #changed = new Map<string, TreeItem | undefined>();

  constructor(base: ReadonlyMap<string, TreeItem>) {
    this.#base = base;
  }

  /** At least the number of items (a bound for walks up the tree). */
  get size(): number {
    return this.#base.size + this.#changed.size;
  }

  get(id: string): TreeItem | undefined {
    return this.#changed.has(id) ? this.#changed.get(id) : this.#base.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, item: TreeItem): void {
    this.#changed.set(id, item);
  }

  delete(id: string): void {
    this.#changed.set(id, undefined);
  }

  /** Every item now (walks the whole base: for rare paths only). */
  *values(): IterableIterator<TreeItem> {
    for (const item of this.#base.values()) if (!this.#changed.has(item.id)) yield item;
    for (const item of this.#changed.values()) if (item !== undefined) yield item;
  }

  /** The items that changed (set, not removed), in the order first changed. */
  *changedItems(): IterableIterator<TreeItem> {
    for (const item of this.#changed.values()) if (item !== undefined) yield item;
  }

  /** `tree` (whose items this overlays) with the changes applied, sharing everything else. */
  patched(tree: Tree): Tree {
    if (this.#changed.size === 0) return tree;
    const removed: string[] = [];
    for (const [id, item] of this.#changed) if (item === undefined) removed.push(id);
    return patchTree(tree, this.changedItems(), removed);
  }
}
