// Local index throughput (src-main/engine/index): save and load of a whole tree of N items (one
// transaction, prepared statements), all three trees, the scanner's facts for N files, and journal
// begin+complete pairs per second with synchronous=FULL (what the engine uses) and NORMAL.
// Run: `npm run bench:index` or `node bench/index.ts [--items N]` (default 100000). The database
// is in a temp folder on the machine's disk; every figure is the median of 3 runs.

import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIndex } from '../src-main/engine/index/local-index.ts';
import type { LocalFacts } from '../src-main/engine/index/local-index.ts';
import type { Operation } from '../src-main/engine/planner/operations.ts';
import type { TreeItem } from '../src-main/engine/tree/item.ts';
import { makeTree } from '../src-main/engine/tree/tree.ts';

const USAGE = 'usage: node bench/index.ts [--items 1000..10000000]';

function parseItems(argv: string[]): number {
  if (argv.length === 0) return 100_000;
  const value = Number(argv[1]);
  if (argv.length !== 2 || argv[0] !== '--items' || !Number.isSafeInteger(value) || value < 1000 || value > 10_000_000) {
    console.error(USAGE);
    process.exit(2);
  }
  return value;
}

const hex = (n: number, salt: number) => (n * 2654435761 + salt).toString(16).padStart(64, '0').slice(-64);

/** A realistic shape: folders of ~50 entries, UUID-like ids, file names with extensions. */
function buildItems(count: number): TreeItem[] {
  const id = (i: number) => `0190a${i.toString(16).padStart(7, '0')}-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
  const items: TreeItem[] = [{ id: 'root', parentId: null, name: '', kind: 'folder' }];
  const folders = Math.max(1, Math.floor(count / 50));
  for (let i = 1; i < count; i++) {
    const parent = i <= folders ? (i === 1 ? 'root' : id(Math.floor(i / 2))) : id(1 + (i % folders));
    if (i <= folders) items.push({ id: id(i), parentId: parent, name: `Folder ${i}`, kind: 'folder', metadataVersion: 1 });
    else items.push({ id: id(i), parentId: parent, name: `document ${i}.txt`, kind: 'file', hash: `blake3:${hex(i, 1)}`, size: 1000 + i, metadataVersion: 2, contentVersion: 3 });
  }
  return items;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

function journalRate(base: string, synchronous: 'FULL' | 'NORMAL', count: number): number {
  const synced = join(base, `sync-${synchronous}`);
  mkdirSync(synced);
  const index = LocalIndex.open({ stateDir: join(base, `state-${synchronous}`), syncedFolder: synced, synchronous });
  index.saveTree('synced', makeTree('root', [{ id: 'root', parentId: null, name: '', kind: 'folder' }]));
  const ms = time(() => {
    for (let i = 0; i < count; i++) {
      const op: Operation = { kind: 'createRemoteFolder', id: `f${i}`, parentId: 'root', name: `f${i}`, path: `f${i}` };
      const entry = index.journalBegin(op);
      index.journalComplete(entry.seq, { synced: { put: [{ id: `f${i}`, parentId: 'root', name: `f${i}`, kind: 'folder' }] } });
    }
  });
  index.close();
  return (count / ms) * 1000;
}

const count = parseItems(process.argv.slice(2));
const base = mkdtempSync(join(tmpdir(), 'tandem-bench-index-'));
try {
  const synced = join(base, 'Sync');
  mkdirSync(synced);
  const index = LocalIndex.open({ stateDir: join(base, 'state'), syncedFolder: synced });
  const tree = makeTree('root', buildItems(count));
  const facts: LocalFacts[] = [];
  for (const item of tree.items.values()) {
    if (item.kind !== 'file') continue;
    facts.push({ id: item.id, size: item.size ?? 0, mtimeMs: 1_700_000_000_000 + facts.length, inode: 1000 + facts.length, hash: item.hash ?? '', blocks: [{ offset: 0, size: item.size ?? 0, hash: item.hash ?? '' }] });
  }

  const save: number[] = [];
  const load: number[] = [];
  const all3Save: number[] = [];
  const all3Load: number[] = [];
  const factsSave: number[] = [];
  const factsLoad: number[] = [];
  let loadedSize = 0;
  for (let run = 0; run < 3; run++) {
    save.push(time(() => index.saveTree('synced', tree)));
    load.push(time(() => (loadedSize = index.loadTree('synced')?.items.size ?? 0)));
    all3Save.push(time(() => {
      index.transaction(() => {
        for (const name of ['remote', 'local', 'synced'] as const) index.saveTree(name, tree);
      });
    }));
    all3Load.push(time(() => {
      for (const name of ['remote', 'local', 'synced'] as const) index.loadTree(name);
    }));
    factsSave.push(time(() => index.putFacts(facts)));
    factsLoad.push(time(() => index.allFacts()));
  }
  if (loadedSize !== count) throw new Error(`loaded ${loadedSize} items, saved ${count}`);
  index.close();
  const bytes = statSync(join(base, 'state', 'index.sqlite')).size;
  const fmt = (ms: number, n: number) => `${ms.toFixed(0).padStart(5)} ms (${Math.round((n / ms) * 1000).toLocaleString('en-US')} items/s)`;
  console.log(`local index, ${count.toLocaleString('en-US')} items, synchronous=FULL, WAL`);
  console.log(`save one tree (1 transaction):    ${fmt(median(save), count)}`);
  console.log(`load one tree (to a Tree):        ${fmt(median(load), count)}`);
  console.log(`save all three trees (1 tx):      ${fmt(median(all3Save), 3 * count)}`);
  console.log(`load all three trees:             ${fmt(median(all3Load), 3 * count)}`);
  console.log(`save facts of ${facts.length} files:    ${fmt(median(factsSave), facts.length)}`);
  console.log(`load facts of ${facts.length} files:    ${fmt(median(factsLoad), facts.length)}`);
  console.log(`database size after checkpoint:   ${(bytes / 1e6).toFixed(1)} MB`);
  const journalOps = 300;
  console.log(`journal begin+complete, FULL:     ${Math.round(journalRate(base, 'FULL', journalOps))} ops/s`);
  console.log(`journal begin+complete, NORMAL:   ${Math.round(journalRate(base, 'NORMAL', journalOps))} ops/s`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
