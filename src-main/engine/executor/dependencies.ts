// Which operations of a plan must wait for which. The planner's order is valid when run one by
// one; to run several at once, an operation waits for every EARLIER one whose paths overlap its
// own: the same path (a name freed before it is taken, a parking step before the final move), an
// ancestor (parents before children), or a descendant (children deleted and moved out before the
// folder is deleted or moved). Paths are compared case-folded and NFC, so a case-only rename on
// a case-insensitive disk still orders correctly; comparing too much only costs parallelism.
// Linear in the plan's size (a 100k-item plan must not cost n²).

import type { Operation } from '../planner/operations.ts';

export function pathsOf(op: Operation): string[] {
  switch (op.kind) {
    case 'conflictCopy':
      return [op.fromPath, op.path];
    case 'moveLocal':
    case 'moveRemote':
      return [op.fromPath, op.path];
    case 'report':
    case 'ask':
    case 'markSynced':
      return [];
    default:
      return [op.path];
  }
}

function key(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/** Proper ancestors of a path, nearest first ('a/b/c' -> 'a/b', 'a'); the root is left out. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let at = path.lastIndexOf('/'); at > 0; at = path.lastIndexOf('/', at - 1)) out.push(path.slice(0, at));
  return out;
}

/**
 * For each operation (by index), the indexes of the earlier operations it must wait for.
 * `extraPaths` adds paths an operation touches beyond its own (an upload reads its file where it
 * sits on the disk, which may differ from where it goes on the server).
 */
export function dependencies(ops: readonly Operation[], extraPaths: (op: Operation) => readonly string[] = () => []): number[][] {
  const exact = new Map<string, number>();
  // Operations at or below a path since the last operation AT that path (which waited for them).
  const below = new Map<string, number[]>();
  return ops.map((op, index) => {
    const deps = new Set<number>();
    const paths = [...new Set([...pathsOf(op), ...extraPaths(op)].map(key))];
    for (const path of paths) {
      for (const ancestor of ancestors(path)) {
        const last = exact.get(ancestor);
        if (last !== undefined) deps.add(last);
      }
      for (const earlier of below.get(path) ?? []) deps.add(earlier);
    }
    for (const path of paths) {
      exact.set(path, index);
      below.set(path, [index]);
      for (const ancestor of ancestors(path)) {
        const list = below.get(ancestor);
        if (list) list.push(index);
        else below.set(ancestor, [index]);
      }
    }
    deps.delete(index);
    return [...deps].sort((a, b) => a - b);
  });
}
