// What "no" to the mass-delete question does (SCENARIOS #42): the deletes are not made, and the
// files come back where they were deleted, so both sides converge on keeping them (Nextcloud's
// "keep files"). It works by forgetting the merge base of those items, never by deleting:
//  - side 'remote' (deleted here; the server would lose them): forget their base, so the planner
//    sees server items this disk lacks and downloads them again;
//  - side 'local' (deleted on the server; this disk would lose them): forget their base and give
//    the local copies fresh ids (the server never reuses an id), so they upload as new items.

import type { LocalIndex } from '../index/local-index.ts';
import type { Side } from '../planner/operations.ts';
import type { TreeItem } from '../tree/item.ts';
import { makeTree } from '../tree/tree.ts';

export function keepWhatWouldBeDeleted(index: LocalIndex, side: Side, newId: () => string): number {
  const local = index.loadTree('local');
  const remote = index.loadTree('remote');
  const synced = index.loadTree('synced');
  if (!local || !remote || !synced) return 0;
  const doomed: string[] = [];
  for (const id of synced.items.keys()) {
    if (id === synced.rootId) continue;
    if (side === 'remote' && remote.items.has(id) && !local.items.has(id)) doomed.push(id);
    if (side === 'local' && local.items.has(id) && !remote.items.has(id)) doomed.push(id);
  }
  if (doomed.length === 0) return 0;
  index.transaction(() => {
    index.updateTree('synced', { remove: doomed });
    if (side === 'local') {
      const fresh = new Map(doomed.map((id) => [id, newId()]));
      const items: TreeItem[] = [];
      for (const item of local.items.values()) {
        const id = fresh.get(item.id) ?? item.id;
        const parentId = item.parentId === null ? null : (fresh.get(item.parentId) ?? item.parentId);
        items.push({ ...item, id, parentId });
      }
      index.saveTree('local', makeTree(local.rootId, items));
      const facts = index.allFacts();
      const moved = [...fresh].flatMap(([from, to]) => {
        const fact = facts.get(from);
        return fact ? [{ ...fact, id: to }] : [];
      });
      index.removeFacts(fresh.keys());
      index.putFacts(moved);
    }
  });
  return doomed.length;
}
