// Planner cost per pass (src-main/engine/planner): the engine plans over the whole of its three
// trees on every pass, so a pass that carries one edited file costs in proportion to the folder.
// Prints the median time to plan one edited file in trees of N items (folders of 1,000 files),
// with fresh trees each run (nothing cached from an earlier pass), and the CPU of one such plan.
// Run: `npm run bench:plan` (10,000 and 100,000 items) or `node bench/plan.ts --items N`.

import { planOptionsFor, policyFor } from '../src-main/engine/fs-policy/policy.ts';
import { plan } from '../src-main/engine/planner/planner.ts';
import type { TreeItem } from '../src-main/engine/tree/item.ts';

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

function measure(count: number): { medianMs: number; cpuMs: number } {
  const items = syncedItems(count);
  const edited = items.find((item) => item.kind === 'file') as TreeItem;
  const options = { device: 'bench', now: new Date(0), newId: () => 'new', ...planOptionsFor(policyFor('linux')) };
  const times: number[] = [];
  let cpuMs = 0;
  for (let run = 0; run < RUNS; run++) {
    const synced = new Map(items.map((item) => [item.id, item]));
    const local = new Map(synced).set(edited.id, { ...edited, hash: `blake3:${'f'.repeat(64)}`, size: 4097 });
    const input = { remote: { rootId: 'root', items: new Map(synced) }, local: { rootId: 'root', items: local }, synced: { rootId: 'root', items: synced }, options };
    const cpu = process.cpuUsage();
    const started = performance.now();
    const ops = plan(input);
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuMs += (used.user + used.system) / 1000;
    if (ops.length !== 1 || ops[0]?.kind !== 'upload') throw new Error(`Expected one upload, planned ${ops.map((op) => op.kind).join(', ')}.`);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(RUNS / 2)] as number, cpuMs: cpuMs / RUNS };
}

for (const count of parseSizes(process.argv.slice(2))) {
  const { medianMs, cpuMs } = measure(count);
  console.log(`plan one edited file among ${count.toLocaleString('en-US')} items: ${medianMs.toFixed(1)} ms (median of ${RUNS}; ${cpuMs.toFixed(0)} CPU-ms each on average)`);
}
