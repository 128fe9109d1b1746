// Property tests of the planner over random correlated trees (test-support/random-trees.ts), run
// through the model executor and server (test-support/world.ts) until nothing is left to do.
// Properties: it TERMINATES (bounded rounds), CONVERGES (local == server == synced by id, place,
// kind and content), LOSES NO CONTENT (every byte-string seen is current somewhere unless a user
// deleted or overwrote it on purpose; nothing is removed unless it equals the base), never makes
// an ORPHAN, CYCLE or duplicate name at ANY step, and the same local changes observed in
// different SPLITS reach the same result. Remote operations may meet a server that moved on
// (another device acting between plan and execution) and are then refused, as the server would.
// Runs: TANDEM_PLANNER_RUNS (default 200). A failure prints fast-check's seed; rerun it with
// TANDEM_PLANNER_SEED=<seed>.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../../src-shared/names.ts';
import type { TreeItem } from '../tree/item.ts';
import { act, actionsArb, actor } from './test-support/random-trees.ts';
import type { Action } from './test-support/random-trees.ts';
import { listing } from './test-support/builders.ts';
import { baseOptions, syncUntilQuiet } from './test-support/sync-loop.ts';
import { divergence, newWorld, rootItem, snapshot } from './test-support/world.ts';
import { closeOver } from './skip.ts';
import { isWork } from './operations.ts';

const RUNS = Number(process.env.TANDEM_PLANNER_RUNS ?? 200);
// Rerun a failure exactly: TANDEM_PLANNER_SEED=<seed printed by fast-check>.
const SEED = process.env.TANDEM_PLANNER_SEED;
const RUN_OPTIONS = { numRuns: RUNS, ...(SEED ? { seed: Number(SEED) } : {}) };
// Big local runs take minutes; the default 30 s test timeout is for the CI-sized run.
const TIMEOUT = 30_000 + RUNS * 25;

function grow(actions: Action[], counter: { n: number }): Map<string, TreeItem> {
  const map = new Map<string, TreeItem>([['root', rootItem()]]);
  const builder = actor('B', true, counter, new Set(), new Set());
  // The base is a random tree: every action creates a file (even kinds) or a folder (odd).
  for (const [kind, a, b, c] of actions) act(map, [kind % 2 === 0 ? 2 : 3, a, b, c], builder);
  return map;
}

function hashes(...maps: Map<string, TreeItem>[]): Set<string> {
  const out = new Set<string>();
  for (const map of maps) for (const item of map.values()) if (item.hash) out.add(item.hash);
  return out;
}

describe('planner properties', () => {
  it('terminates, converges and loses no content, with concurrent remote changes and stale plans', () => {
    fc.assert(
      fc.property(
        actionsArb(30),
        actionsArb(4),
        actionsArb(12),
        actionsArb(12),
        actionsArb(6),
        fc.boolean(),
        (baseActions, bothActions, localActions, remoteActions, laterRemote, caseInsensitive) => {
          const counter = { n: 0 };
          const gone = new Set<string>();
          const base = grow(baseActions, counter);
          const seen = hashes(base);
          const world = newWorld(base.values(), base.values(), base.values());
          const localKey = caseInsensitive ? nameKey : (name: string) => name;
          world.localKey = localKey;
          const here = actor('L', false, counter, gone, seen, localKey);
          const there = actor('R', true, counter, gone, seen);
          // The same change made on both sides (same bytes, own ids): identical results adopt.
          for (const action of bothActions) {
            const shared = `S${++counter.n}h`;
            if (act(world.local, action, here, shared)) act(world.server, action, there, shared);
          }
          for (const action of localActions) act(world.local, action, here);
          for (const action of remoteActions) act(world.server, action, there);
          const other = actor('O', true, counter, gone, seen);
          const options = baseOptions({ localNameKey: localKey });

          const result = syncUntilQuiet(world, options, {
            maxRounds: 20,
            approveMassDeletes: true,
            // Another device keeps changing the server for the first rounds, after we planned.
            beforeExecute: (round) => {
              if (round < 3) for (const action of laterRemote.slice(round * 2, round * 2 + 2)) act(world.server, action, other);
            },
          });

          expect(result.rounds).toBeLessThan(20);
          expect(divergence(world)).toEqual([]);
          expect(world.baseViolations).toEqual([]);
          const present = hashes(world.local, world.server);
          const lost = [...seen].filter((h) => !present.has(h) && !gone.has(h));
          expect(lost).toEqual([]);
        },
      ),
      RUN_OPTIONS,
    );
  }, TIMEOUT);

  it('the same local changes observed in different splits reach the same result', () => {
    fc.assert(
      fc.property(actionsArb(25), actionsArb(15), fc.array(fc.nat(15), { maxLength: 4 }), (baseActions, localActions, cuts) => {
        const counter = { n: 0 };
        const base = grow(baseActions, counter);
        const finals: Record<string, string>[] = [];
        for (const split of [[], [...new Set(cuts)].sort((a, b) => a - b)]) {
          const world = newWorld(base.values(), base.values(), base.values());
          world.localKey = nameKey;
          // Same id and hash sequence in both runs: each run starts the counter at the same value.
          const here = actor('L', false, { n: counter.n }, new Set(), new Set(), nameKey);
          let done = 0;
          for (const cut of [...split, localActions.length]) {
            for (const action of localActions.slice(done, Math.max(cut, done))) act(world.local, action, here);
            done = Math.max(cut, done);
            const before = listing(world.local);
            syncUntilQuiet(world, baseOptions({ localNameKey: nameKey }), { approveMassDeletes: true });
            // With nothing happening elsewhere, syncing never changes what this device holds.
            expect(listing(world.local)).toEqual(before);
            expect(divergence(world)).toEqual([]);
          }
          finals.push(listing(world.server));
          expect(listing(world.server)).toEqual(listing(world.local));
        }
        expect(finals[1]).toEqual(finals[0]);
      }),
      RUN_OPTIONS,
    );
  }, TIMEOUT);

  it('with selective sync, ignore rules and names this disk cannot hold: converges on the rest, never touches the left-out', () => {
    fc.assert(
      fc.property(
        actionsArb(30),
        actionsArb(12),
        actionsArb(12),
        fc.array(fc.nat(99), { maxLength: 3 }),
        fc.array(fc.nat(99), { maxLength: 3 }),
        (baseActions, localActions, remoteActions, excludePicks, ignorePicks) => {
          const counter = { n: 0 };
          const gone = new Set<string>();
          const base = grow(baseActions, counter);
          const seen = hashes(base);
          const world = newWorld(base.values(), base.values(), base.values());
          const here = actor('L', false, counter, gone, seen);
          const there = actor('R', true, counter, gone, seen);
          for (const action of localActions) act(world.local, action, here);
          for (const action of remoteActions) act(world.server, action, there);
          const folders = [...base.values()].filter((i) => i.kind === 'folder' && i.parentId !== null);
          const excludedIds = new Set(folders.length ? excludePicks.map((p) => (folders[p % folders.length] as TreeItem).id) : []);
          const localItems = [...world.local.values()].filter((i) => i.parentId !== null);
          const ignoredLocalIds = new Set(localItems.length ? ignorePicks.map((p) => (localItems[p % localItems.length] as TreeItem).id) : []);
          const canHoldName = (_parent: string, name: string) => name !== 'e.md';
          const options = baseOptions({ excludedIds, ignoredLocalIds, canHoldName });
          const untouchable = closeOver([snapshot(world.local), snapshot(world.server), snapshot(world.synced)], [...excludedIds, ...ignoredLocalIds]);

          const result = syncUntilQuiet(world, options, { maxRounds: 20, approveMassDeletes: true });
          expect(result.rounds).toBeLessThan(20);
          for (const ops of result.plans) {
            const touched = ops.filter((op) => isWork(op) && 'id' in op && untouchable.has(op.id));
            expect(touched).toEqual([]);
          }
          const last = result.plans.at(-1) ?? [];
          const reported = last.flatMap((op) => (op.kind === 'report' ? [op.id] : []));
          const leftOut = closeOver([snapshot(world.local), snapshot(world.server), snapshot(world.synced)], [...untouchable, ...reported]);
          expect(divergence(world, leftOut)).toEqual([]);
          expect(world.baseViolations).toEqual([]);
          const present = hashes(world.local, world.server);
          expect([...seen].filter((h) => !present.has(h) && !gone.has(h))).toEqual([]);
        },
      ),
      RUN_OPTIONS,
    );
  }, TIMEOUT);

  it('OS clutter changes nothing but itself: with .DS_Store/Thumbs.db files sprinkled in, the same end state, and clutter goes only with its folder (#35, #19)', () => {
    fc.assert(
      fc.property(
        actionsArb(30),
        actionsArb(12),
        actionsArb(12),
        fc.array(fc.nat(99), { maxLength: 3 }),
        fc.array(fc.nat(99), { maxLength: 3 }),
        fc.array(fc.nat(99), { minLength: 1, maxLength: 6 }),
        (baseActions, localActions, remoteActions, excludePicks, ignorePicks, clutterPicks) => {
          const counter = { n: 0 };
          const base = grow(baseActions, counter);
          const start = newWorld(base.values(), base.values(), base.values());
          const here = actor('L', false, counter, new Set(), new Set());
          const there = actor('R', true, counter, new Set(), new Set());
          for (const action of localActions) act(start.local, action, here);
          for (const action of remoteActions) act(start.server, action, there);
          const folders = [...base.values()].filter((i) => i.kind === 'folder' && i.parentId !== null);
          const excludedIds = new Set(folders.length ? excludePicks.map((p) => (folders[p % folders.length] as TreeItem).id) : []);
          const localItems = [...start.local.values()].filter((i) => i.parentId !== null);
          const ignoredLocalIds = new Set(localItems.length ? ignorePicks.map((p) => (localItems[p % localItems.length] as TreeItem).id) : []);
          const canHoldName = (_parent: string, name: string) => name !== 'e.md';

          // The same world twice; the second has clutter files (as the scanner gives them: ignored, no hash).
          const plain = newWorld(start.local.values(), start.server.values(), start.synced.values());
          const cluttered = newWorld(start.local.values(), start.server.values(), start.synced.values());
          const localFolders = [...start.local.values()].filter((i) => i.kind === 'folder');
          const clutterIds = new Set<string>();
          for (const [n, pick] of clutterPicks.entries()) {
            const parent = localFolders[pick % localFolders.length] as TreeItem;
            const name = pick % 2 === 0 ? '.DS_Store' : 'Thumbs.db';
            if ([...cluttered.local.values()].some((i) => i.parentId === parent.id && i.name === name)) continue;
            cluttered.local.set(`K${n}`, { id: `K${n}`, parentId: parent.id, name, kind: 'file', size: 6 });
            clutterIds.add(`K${n}`);
          }
          const options = (ignored: Set<string>) => baseOptions({ excludedIds, ignoredLocalIds: ignored, canHoldName });
          const a = syncUntilQuiet(plain, options(ignoredLocalIds), { maxRounds: 20, approveMassDeletes: true });
          const b = syncUntilQuiet(cluttered, options(new Set([...ignoredLocalIds, ...clutterIds])), { maxRounds: 20, approveMassDeletes: true });

          expect(b.rounds).toBe(a.rounds);
          expect(listing(cluttered.server)).toEqual(listing(plain.server));
          const withoutClutter = new Map([...cluttered.local].filter(([id]) => !clutterIds.has(id)));
          expect(listing(withoutClutter)).toEqual(listing(plain.local));
          expect(cluttered.baseViolations).toEqual([]);
          // No operation ever names a clutter file, and one that is gone went with its folder.
          for (const ops of b.plans) expect(ops.filter((op) => 'id' in op && clutterIds.has(op.id))).toEqual([]);
          for (const id of clutterIds) {
            const parentId = (cluttered.local.get(id) ?? start.local.get(id) ?? { parentId: null }).parentId;
            if (!cluttered.local.has(id)) expect(parentId === null || !cluttered.local.has(parentId) || !plain.local.has(parentId)).toBe(true);
          }
          // The kept_ignored reports are the same: clutter alone never keeps a folder.
          const kept = (plans: typeof a.plans) => new Set(plans.flatMap((ops) => ops.flatMap((op) => (op.kind === 'report' && op.code === 'kept_ignored' ? [op.path] : []))));
          expect(kept(b.plans)).toEqual(kept(a.plans));
        },
      ),
      RUN_OPTIONS,
    );
  }, TIMEOUT);
});
