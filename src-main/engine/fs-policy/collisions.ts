// Which of a folder's remote children materialize on this disk, and which are skipped with their
// reason (SCENARIOS #23, #25, #27, #28, #53; invariant 8 "one name, one path"). Pure and
// deterministic: the answer does not depend on the order the children come in.
//
// Order of claim, the same as the planner's (planner/targets.ts): an item already on disk under its
// name keeps it (never overwritten, #23), then the OLDEST id (UUIDv7 ids sort by creation time, so
// the first created keeps the name on every device alike).

import type { FsPolicy, HoldProblem } from './policy.ts';

export interface RemoteChild {
  readonly id: string;
  readonly name: string;
}

export type SkipProblem = HoldProblem | 'case_collision' | 'normalization_collision';

export interface SkippedChild {
  readonly id: string;
  readonly name: string;
  readonly problem: SkipProblem;
  /** A clause with the fix, like FsPolicy.whyCannotHold. */
  readonly reason: string;
  /** The id of the child that holds the local path instead, for collisions. */
  readonly collidesWith?: string;
}

export interface ResolvedChildren {
  /** In claim order. */
  readonly materialized: RemoteChild[];
  readonly skipped: SkippedChild[];
}

export interface ResolveOptions {
  /** Ids already on this disk under exactly their remote name in this folder: they claim first. */
  readonly onDisk?: ReadonlySet<string>;
}

export function resolveChildren(
  policy: FsPolicy,
  parentPath: string,
  children: Iterable<RemoteChild>,
  options: ResolveOptions = {},
): ResolvedChildren {
  const onDisk = options.onDisk ?? new Set<string>();
  const ordered = [...children].sort((a, b) => {
    const rank = Number(!onDisk.has(a.id)) - Number(!onDisk.has(b.id));
    if (rank !== 0) return rank;
    if (a.id !== b.id) return a.id < b.id ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  const materialized: RemoteChild[] = [];
  const skipped: SkippedChild[] = [];
  const held = new Map<string, RemoteChild>();
  for (const child of ordered) {
    const verdict = policy.check(parentPath, child.name);
    if (!verdict.ok) {
      skipped.push({ id: child.id, name: child.name, problem: verdict.problem, reason: verdict.reason });
      continue;
    }
    const key = policy.localNameKey(child.name);
    const other = held.get(key);
    if (other === undefined) {
      held.set(key, child);
      materialized.push(child);
      continue;
    }
    const sameForm = other.name.normalize('NFC') === child.name.normalize('NFC');
    skipped.push({
      id: child.id,
      name: child.name,
      problem: sameForm ? 'normalization_collision' : 'case_collision',
      reason: sameForm
        ? `it is "${other.name}" written in another Unicode form, and this disk holds only one of them; rename one of them on another device`
        : `it would land on the same file as "${other.name}" on this disk, which does not tell upper and lower case apart; rename one of them on another device`,
      collidesWith: other.id,
    });
  }
  return { materialized, skipped };
}
