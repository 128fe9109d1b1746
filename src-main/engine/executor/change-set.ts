// The state changes of one operation (or of a run's bookkeeping): tree items put or removed and
// the scanner's facts updated, collected as the effect and the base-advancing rule produce them,
// then handed to the store as one StateChanges, written in one transaction with the journal.

import type { TreeItem } from '../tree/item.ts';
import type { LocalFacts, StateChanges } from './ports.ts';

export type TreeName = 'local' | 'remote' | 'synced';

/**
 * The state changes of one operation (or of a run's bookkeeping), built up item by item: the
 * last word on an id wins. Maps, so a 100k-item bookkeeping batch stays linear.
 */
export class ChangeSet {
  readonly #trees: Record<TreeName, Map<string, TreeItem | null>> = { local: new Map(), remote: new Map(), synced: new Map() };
  readonly #facts = new Map<string, LocalFacts | null>();

  put(tree: TreeName, item: TreeItem): void {
    this.#trees[tree].set(item.id, item);
  }

  remove(tree: TreeName, id: string): void {
    this.#trees[tree].set(id, null);
  }

  putFacts(id: string, facts: LocalFacts): void {
    this.#facts.set(id, facts);
  }

  removeFacts(id: string): void {
    this.#facts.set(id, null);
  }

  isEmpty(): boolean {
    return this.#facts.size === 0 && Object.values(this.#trees).every((map) => map.size === 0);
  }

  build(): StateChanges {
    const out: StateChanges = {};
    for (const tree of ['local', 'remote', 'synced'] as const) {
      const map = this.#trees[tree];
      if (map.size === 0) continue;
      const put: TreeItem[] = [];
      const remove: string[] = [];
      for (const [id, item] of map) {
        if (item) put.push(item);
        else remove.push(id);
      }
      out[tree] = { put, remove };
    }
    if (this.#facts.size > 0) {
      const put: Array<[string, LocalFacts]> = [];
      const remove: string[] = [];
      for (const [id, facts] of this.#facts) {
        if (facts) put.push([id, facts]);
        else remove.push(id);
      }
      out.facts = { put, remove };
    }
    return out;
  }
}

export function putFacts(changes: ChangeSet, id: string, facts: LocalFacts): void {
  changes.putFacts(id, facts);
}

export function removeFacts(changes: ChangeSet, id: string): void {
  changes.removeFacts(id);
}
