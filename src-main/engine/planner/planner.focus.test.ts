// The planner plans over only the part of the trees that changed (focus.ts). These tests prove
// that this changes no plan: over random correlated trees, with selective sync, ignore rules, OS
// clutter, name rules that read the whole path, a disk without exec bits, case-insensitive names
// and a low mass-delete threshold, plan() returns exactly what planning the whole trees (listed in
// id order) returns, also when the trees are patches of the ones the pass before planned.
// Runs: TANDEM_PLANNER_RUNS (default 200); rerun a failure with TANDEM_PLANNER_SEED=<seed>.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../../src-shared/names.ts';
import { sameState } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import { makeTree, patchTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { focus } from './focus.ts';
import type { PlanInput } from './operations.ts';
import { plan, planWhole } from './planner.ts';
import { act, actionsArb, actor } from './test-support/random-trees.ts';
import { baseOptions } from './test-support/sync-loop.ts';
import { newWorld, rootItem, snapshot } from './test-support/world.ts';

const RUNS = Number(process.env.TANDEM_PLANNER_RUNS ?? 200);
const SEED = process.env.TANDEM_PLANNER_SEED;
const RUN_OPTIONS = { numRuns: RUNS, ...(SEED ? { seed: Number(SEED) } : {}) };
const TIMEOUT = 30_000 + RUNS * 25;

// Ids minted from their purpose alone, so both plans name new items alike.
const idsByPurpose = (purpose: string) => `new:${purpose}`;

/** The trees listed in id order: what plan() narrows to (focus.ts), for planWhole. */
function inIdOrder(input: PlanInput): PlanInput {
  const sorted = (tree: Tree): Tree => makeTree(tree.rootId, [...tree.items.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
  return { ...input, remote: sorted(input.remote), local: sorted(input.local), synced: sorted(input.synced) };
}

/** `now` as a patch of `before` (the engine's trees are patches of a few shared bases). */
function patchedFrom(before: Tree, now: Map<string, TreeItem>): Tree {
  const put = [...now.values()].filter((item) => before.items.get(item.id) !== item);
  return patchTree(before, put, [...before.items.keys()].filter((id) => !now.has(id)));
}

function expectSamePlan(input: PlanInput): void {
  let whole: unknown;
  try {
    whole = planWhole(inIdOrder(input));
  } catch (error) {
    // A random tree the planner refuses must be refused alike.
    expect(() => plan(input)).toThrow((error as Error).message);
    return;
  }
  expect(plan(input)).toEqual(whole);
  // The mass-delete guard counts every file of the base, left out or not.
  const narrowed = focus(input);
  const files = (tree: Tree) => [...tree.items.values()].filter((item) => item.kind === 'file').length;
  expect(narrowed.settledFiles + files(narrowed.input.synced)).toBe(files(input.synced));
}

describe('planning only what changed', () => {
  it('gives exactly the plan of the whole trees, pass after pass', () => {
    fc.assert(
      fc.property(
        actionsArb(40),
        actionsArb(4),
        fc.array(fc.tuple(actionsArb(4), actionsArb(4)), { minLength: 1, maxLength: 3 }),
        fc.record({
          caseInsensitive: fc.boolean(),
          execBits: fc.boolean(),
          pathLimit: fc.option(fc.integer({ min: 3, max: 14 })),
          massDelete: fc.option(fc.record({ minCount: fc.nat(4), fraction: fc.constantFrom(0, 0.2, 0.5) })),
          excludePicks: fc.array(fc.nat(99), { maxLength: 2 }),
          ignorePicks: fc.array(fc.nat(99), { maxLength: 2 }),
          clutterPicks: fc.array(fc.nat(99), { maxLength: 3 }),
        }),
        (baseActions, bothActions, passes, setup) => {
          const counter = { n: 0 };
          const base = new Map<string, TreeItem>([['root', rootItem()]]);
          const builder = actor('B', true, counter, new Set(), new Set());
          for (const [kind, a, b, c] of baseActions) act(base, [kind % 2 === 0 ? 2 : 3, a, b, c], builder);
          const world = newWorld(base.values(), base.values(), base.values());
          const localKey = setup.caseInsensitive ? nameKey : (name: string) => name;
          const here = actor('L', false, counter, new Set(), new Set(), localKey);
          const there = actor('R', true, counter, new Set(), new Set());
          for (const action of bothActions) {
            const shared = `S${++counter.n}h`;
            if (act(world.local, action, here, shared)) act(world.server, action, there, shared);
          }
          const localFolders = [...world.local.values()].filter((i) => i.kind === 'folder');
          const clutterIds = new Set<string>();
          for (const [n, pick] of setup.clutterPicks.entries()) {
            const id = `K${n}`;
            const parentId = (localFolders[pick % localFolders.length] as TreeItem).id;
            if ([...world.local.values()].some((i) => i.parentId === parentId && i.name === '.DS_Store')) continue;
            world.local.set(id, { id, parentId, name: '.DS_Store', kind: 'file', size: 6 });
            clutterIds.add(id);
          }
          const folders = [...base.values()].filter((i) => i.kind === 'folder' && i.parentId !== null);
          const localItems = [...world.local.values()].filter((i) => i.parentId !== null && !clutterIds.has(i.id));
          const pick = (picks: number[], from: TreeItem[]) => new Set(from.length ? picks.map((p) => (from[p % from.length] as TreeItem).id) : []);
          const excludedIds = pick(setup.excludePicks, folders);
          const ignoredLocalIds = new Set([...pick(setup.ignorePicks, localItems), ...clutterIds]);

          // Each pass: more changes on both sides, seen as patches of the trees the last pass planned.
          let trees = { remote: snapshot(world.server), local: snapshot(world.local), synced: snapshot(world.synced) };
          let pass = 0;
          for (const [localActions, remoteActions] of passes) {
            for (const action of localActions) act(world.local, action, here);
            for (const action of remoteActions) act(world.server, action, there);
            // What both sides now agree on enters the base, as a patch or (every other pass) a new flat tree.
            for (const [id, item] of world.local) {
              const other = world.server.get(id);
              if (other && sameState(item, other) && !world.synced.has(id) && world.synced.has(item.parentId ?? '')) world.synced.set(id, other);
            }
            // Now and then a base that unsettles a file both sides agree on (it plans a markSynced).
            const agreed = [...world.synced.values()].find((item) => item.kind === 'file' && sameState(item, world.local.get(item.id) ?? rootItem()));
            if (agreed && counter.n % 3 === 0) world.synced.set(agreed.id, { ...agreed, hash: `${agreed.hash}-older` });
            // Gone from both sides: forgotten by the base.
            for (const id of world.synced.keys()) if (!world.local.has(id) && !world.server.has(id)) world.synced.delete(id);
            // Each tree sometimes a patch of the last one, sometimes a new flat one (a new base).
            const next = (before: Tree, now: Map<string, TreeItem>, flat: boolean) => (flat ? snapshot(now) : patchedFrom(before, now));
            const turn = counter.n + pass++;
            trees = {
              remote: next(trees.remote, world.server, turn % 3 === 0),
              local: next(trees.local, world.local, turn % 5 === 0),
              synced: next(trees.synced, world.synced, turn % 2 === 0),
            };
            // What the disk holds, it can hold (the scanner reports the rest); other paths are limited.
            const onDisk = new Set([...trees.local.items.keys()].map((id) => pathOf(trees.local, id)));
            const { pathLimit, massDelete } = setup;
            const canHoldName = (parentPath: string, name: string) => {
              const path = parentPath === '' ? name : `${parentPath}/${name}`;
              return onDisk.has(path) || path.length <= (pathLimit ?? 0);
            };
            expectSamePlan({
              ...trees,
              options: baseOptions({
                newId: idsByPurpose,
                localNameKey: localKey,
                localExecBits: setup.execBits,
                excludedIds,
                ignoredLocalIds: new Set([...ignoredLocalIds].filter((id) => world.local.has(id))),
                ...(pathLimit === null ? {} : { canHoldName }),
                ...(massDelete === null ? {} : { massDelete }),
              }),
            });
          }
        },
      ),
      RUN_OPTIONS,
    );
  }, TIMEOUT);

  it('plans one edited file among many settled ones from that file and its folders alone', () => {
    const items: TreeItem[] = [rootItem()];
    for (let f = 0; f < 20; f++) {
      items.push({ id: `d${f}`, parentId: 'root', name: `folder ${f}`, kind: 'folder' });
      for (let i = 0; i < 50; i++) items.push({ id: `f${f}.${i}`, parentId: `d${f}`, name: `file ${i}.txt`, kind: 'file', hash: `h${f}.${i}`, size: 1 });
    }
    const world = newWorld(items, items, items);
    world.local.set('f7.3', { ...(world.local.get('f7.3') as TreeItem), hash: 'edited', size: 2 });
    const input: PlanInput = { remote: snapshot(world.server), local: snapshot(world.local), synced: snapshot(world.synced), options: baseOptions() };

    const narrowed = focus(input);
    expect([...narrowed.input.local.items.keys()].sort()).toEqual(['d7', 'f7.3', 'root']);
    expect(narrowed.settledFiles).toBe(999);
    expect(plan(input)).toEqual([expect.objectContaining({ kind: 'upload', id: 'f7.3', path: 'folder 7/file 3.txt', hash: 'edited' })]);
  });
});
