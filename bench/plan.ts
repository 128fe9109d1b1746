// Planner cost per pass (src-main/engine/planner): a pass that carries one edited file should cost
// in proportion to that file, not to the folder (planner/focus.ts). Prints the median time and the
// CPU to plan one edited file in trees of N items (folders of 1,000 files): over trees never
// planned before (one walk over them), and over trees patched since the last plan (no walk).
// Run: `npm run bench:plan` (10,000 and 100,000 items) or `node bench/plan.ts --items N`.

import { planOptionsFor, policyFor } from '../src-main/engine/fs-policy/policy.ts';
import type { PlanInput } from '../src-main/engine/planner/planner.ts';
import { plan } from '../src-main/engine/planner/planner.ts';
import type { TreeItem } from '../src-main/engine/tree/item.ts';
import { makeTree, patchTree } from '../src-main/engine/tree/tree.ts';

const USAGE = 'usage: node bench/plan.ts [--items 1000..1000000]';
const RUNS = 15;

function parseSizes(argv: string[]): number[] {
  if (argv.length === 0) return [10_000, 100_000];
  const value = Number(argv[1]);
  if (argv.length !== 2 || argv[0] !== '--items' || !Number.isSafeInteger(value) || value < 1000 || value > 1_000_000) {
    console.error(USAGE);
    process.exit(2);
  }
  return [value];
}

const id = (i: number) => `0190a${i.toString(16).padStart(7, '0')}-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;

/** A synced folder of `count` items: folders of 1,000 files, UUID-like ids, BLAKE3-like hashes. */
function syncedItems(count: number): TreeItem[] {
  const items: TreeItem[] = [{ id: 'root', parentId: null, name: '', kind: 'folder' }];
  for (let folder = 0; items.length < count; folder++) {
    const folderId = id(folder + 1);
    items.push({ id: folderId, parentId: 'root', name: `d${folder}`, kind: 'folder', metadataVersion: 1 });
    for (let f = 0; f < 999 && items.length < count; f++) {
      const n = folder * 1000 + f;
      items.push({ id: id(10_000_000 + n), parentId: folderId, name: `file-${n}.txt`, kind: 'file', hash: `blake3:${n.toString(16).padStart(64, '0')}`, size: 4096, metadataVersion: 1, contentVersion: 1 });
    }
  }
  return items;
}

interface Figures {
  medianMs: number;
  cpuMs: number;
}

/** Times the plan of `inputFor(run)` (made untimed) over RUNS runs: median wall time and mean CPU. */
function timed(inputFor: (run: number) => PlanInput, expectedId: (run: number) => string): Figures {
  const times: number[] = [];
  let cpuMs = 0;
  for (let run = 0; run < RUNS; run++) {
    const input = inputFor(run);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const ops = plan(input);
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuMs += (used.user + used.system) / 1000;
    if (ops.length !== 1 || ops[0]?.kind !== 'upload' || ops[0].id !== expectedId(run)) throw new Error(`Expected one upload, planned ${ops.map((op) => op.kind).join(', ')}.`);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(RUNS / 2)] as number, cpuMs: cpuMs / RUNS };
}

/**
 * Two figures: the first plan over trees never planned before (fresh maps, as after a restart or
 * when the engine's trees are flattened), and a plan over trees patched from the ones the pass
 * before planned (what the engine does on most passes), each with another file edited.
 */
function measure(count: number): { fresh: Figures; patched: Figures } {
  const items = syncedItems(count);
  const files = items.filter((item) => item.kind === 'file');
  const editedIn = (run: number) => files[(run * 7919) % files.length] as TreeItem;
  const edit = (item: TreeItem): TreeItem => ({ ...item, hash: `blake3:${'f'.repeat(64)}`, size: 4097 });
  const options = { device: 'bench', now: new Date(0), newId: () => 'new', ...planOptionsFor(policyFor('linux')) };

  const fresh = timed((run) => {
    const synced = new Map(items.map((item) => [item.id, item]));
    const local = new Map(synced).set(editedIn(run).id, edit(editedIn(run)));
    return { remote: { rootId: 'root', items: new Map(synced) }, local: { rootId: 'root', items: local }, synced: { rootId: 'root', items: synced }, options };
  }, (run) => editedIn(run).id);

  const base = makeTree('root', items);
  const remote = makeTree('root', items);
  const synced = makeTree('root', items);
  plan({ remote, local: base, synced, options }); // the pass before: nothing to do
  const patched = timed((run) => ({ remote, local: patchTree(base, [edit(editedIn(run))]), synced, options }), (run) => editedIn(run).id);
  return { fresh, patched };
}

for (const count of parseSizes(process.argv.slice(2))) {
  const { fresh, patched } = measure(count);
  const items = count.toLocaleString('en-US');
  console.log(`plan one edited file among ${items} items, trees never planned before: ${fresh.medianMs.toFixed(1)} ms (median of ${RUNS}; ${fresh.cpuMs.toFixed(0)} CPU-ms each on average)`);
  console.log(`plan one edited file among ${items} items, trees patched since the last plan: ${patched.medianMs.toFixed(2)} ms (median of ${RUNS}; ${patched.cpuMs.toFixed(1)} CPU-ms each on average)`);
}
