// What the planner leaves alone: folders excluded by selective sync, local items the ignore rules
// cover, and local names the server would refuse, each with everything inside it in ANY of the
// three trees (an item moved into an excluded folder on one side is excluded on both).
// Among the ignored local items it singles out OS clutter files (#35; see targets.ts for their fate).

import { checkName } from '../../../src-shared/names.ts';
import { isClutterName } from '../ignore/built-in-patterns.ts';
import { childrenOf, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import type { Operation } from './operations.ts';

export interface SkipSets {
  all: Set<string>;
  excluded: Set<string>;
  /** Ignored local files that are OS clutter (also in `all`). */
  clutter: Set<string>;
  reports: Operation[];
}

export function computeSkip(
  trees: { local: Tree; remote: Tree; synced: Tree },
  excludedIds: ReadonlySet<string>,
  ignoredLocalIds: ReadonlySet<string>,
  clutterLocalIds: ReadonlySet<string> = ignoredLocalIds,
): SkipSets {
  const list = [trees.local, trees.remote, trees.synced];
  const reports: Operation[] = [];
  const invalid = new Set<string>();
  for (const item of trees.local.items.values()) {
    // An ignored item is never uploaded, so its name needs no report of its own (#29: a name
    // that is not UTF-8 is observed, ignored, under a rendering the server would refuse).
    if (item.id === trees.local.rootId || ignoredLocalIds.has(item.id)) continue;
    const check = checkName(item.name);
    if (check.ok) continue;
    invalid.add(item.id);
    reports.push({
      kind: 'report',
      code: 'invalid_name',
      id: item.id,
      path: pathOf(trees.local, item.id) ?? item.name,
      message: `Not uploaded: ${check.message ?? 'the server cannot hold this name.'}`,
    });
  }
  const clutter = new Set<string>();
  for (const id of clutterLocalIds) {
    const item = trees.local.items.get(id);
    if (item?.kind === 'file' && item.parentId !== null && isClutterName(item.name)) clutter.add(id);
  }
  const excluded = closeOver(list, [...excludedIds].filter((id) => id !== trees.remote.rootId));
  const all = closeOver(list, [...excluded, ...ignoredLocalIds, ...clutter, ...invalid].filter((id) => id !== trees.local.rootId));
  return { all, excluded, clutter, reports };
}

/** The given ids plus every item under them in any of the trees. Linear in the result. */
export function closeOver(trees: readonly Tree[], roots: Iterable<string>): Set<string> {
  const result = new Set<string>(roots);
  const queue = [...result];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] as string;
    for (const tree of trees) {
      for (const child of childrenOf(tree, id)) {
        if (result.has(child.id)) continue;
        result.add(child.id);
        queue.push(child.id);
      }
    }
  }
  return result;
}
