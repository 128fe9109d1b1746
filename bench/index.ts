// Local index throughput (src-main/engine/index): save and load of a whole tree of N items (one
// transaction, prepared statements; fresh, unchanged and 1% edited), all three trees, the scanner's facts for N files, and journal
// begin+complete pairs per second with synchronous=FULL (what the engine uses) and NORMAL; and
// what storing one hinted rescan (one file edited) costs: the whole tree and every fact compared
// again, or only the scan's delta (ScanResult.delta) written.
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

  const rootOnly = makeTree('root', [{ id: 'root', parentId: null, name: '', kind: 'folder' }]);
  // The same tree with 1% of its files edited (a busy rescan).
  const edited = makeTree('root', [...tree.items.values()].map((item, i) => (item.kind === 'file' && i % 100 === 0 ? { ...item, size: (item.size ?? 0) + 1 } : item)));
  const times = { hintWhole: [] as number[], hintDelta: [] as number[], fresh: [] as number[], unchanged: [] as number[], edited: [] as number[], load: [] as number[], save3: [] as number[], load3: [] as number[], factsSave: [] as number[], factsLoad: [] as number[] };
  let loadedSize = 0;
  for (let run = 0; run < 3; run++) {
    index.transaction(() => {
      for (const name of ['remote', 'local', 'synced'] as const) index.saveTree(name, rootOnly);
    });
    times.fresh.push(time(() => index.saveTree('synced', tree)));
    times.unchanged.push(time(() => index.saveTree('synced', tree)));
    times.edited.push(time(() => index.saveTree('synced', edited)));
    // From the file, as at start or from another process: the writer itself hands out the trees it keeps in memory.
    const reader = LocalIndex.openReadOnly(join(base, 'state'));
    times.load.push(time(() => (loadedSize = reader.loadTree('synced')?.items.size ?? 0)));
    index.saveTree('synced', rootOnly);
    times.save3.push(time(() => {
      index.transaction(() => {
        for (const name of ['remote', 'local', 'synced'] as const) index.saveTree(name, tree);
      });
    }));
    times.load3.push(time(() => {
      for (const name of ['remote', 'local', 'synced'] as const) reader.loadTree(name);
    }));
    reader.close();
    index.removeFacts(facts.map((f) => f.id));
    times.factsSave.push(time(() => index.putFacts(facts)));
    times.factsLoad.push(time(() => index.allFacts()));
    // One file edited (a watcher hint): the tree that differs in one item, and its new facts.
    index.saveTree('local', tree);
    const target = facts[run]!;
    const editedItem = { ...tree.items.get(target.id)!, hash: `blake3:${hex(run, 9)}` };
    const editedFacts = { ...target, mtimeMs: target.mtimeMs + 1, hash: editedItem.hash };
    const oneEdited = makeTree('root', [...tree.items.values()].map((item) => (item.id === target.id ? editedItem : item)));
    times.hintWhole.push(time(() => {
      // What storing a scan costs when it compares everything again: every fact read, the
      // changed ones written, the whole tree compared row by row.
      const stored = index.allFacts();
      const put = [editedFacts].filter((f) => stored.get(f.id)?.mtimeMs !== f.mtimeMs);
      index.transaction(() => {
        index.saveTree('local', oneEdited);
        index.putFacts(put);
      });
    }));
    index.saveTree('local', tree);
    times.hintDelta.push(time(() => {
      index.transaction(() => {
        index.updateTree('local', { put: [editedItem] });
        index.putFacts([editedFacts]);
      });
    }));
  }
  if (loadedSize !== count) throw new Error(`loaded ${loadedSize} items, saved ${count}`);
  index.close();
  const bytes = statSync(join(base, 'state', 'index.sqlite')).size;
  const fmt = (ms: number[], n: number) => `${median(ms).toFixed(0).padStart(5)} ms (${Math.round((n / median(ms)) * 1000).toLocaleString('en-US')} items/s)`;
  const files = facts.length.toLocaleString('en-US');
  console.log(`local index, ${count.toLocaleString('en-US')} items, synchronous=FULL, WAL`);
  console.log(`save one tree, fresh (1 tx):        ${fmt(times.fresh, count)}`);
  console.log(`save one tree, unchanged:           ${fmt(times.unchanged, count)}`);
  console.log(`save one tree, 1% of files edited:  ${fmt(times.edited, count)}`);
  console.log(`load one tree (to a Tree):          ${fmt(times.load, count)}`);
  console.log(`save all three trees, fresh (1 tx): ${fmt(times.save3, 3 * count)}`);
  console.log(`load all three trees:               ${fmt(times.load3, 3 * count)}`);
  console.log(`save facts of ${files} files:       ${fmt(times.factsSave, facts.length)}`);
  console.log(`load facts of ${files} files:       ${fmt(times.factsLoad, facts.length)}`);
  console.log(`store a one-file rescan, compared:  ${median(times.hintWhole).toFixed(1).padStart(5)} ms (all facts read, whole tree compared)`);
  console.log(`store a one-file rescan, its delta: ${median(times.hintDelta).toFixed(1).padStart(5)} ms (one item, one fact written)`);
  console.log(`database size:                      ${(bytes / 1e6).toFixed(1)} MB`);
  const journalOps = 300;
  console.log(`journal begin+complete, FULL:       ${Math.round(journalRate(base, 'FULL', journalOps))} ops/s`);
  console.log(`journal begin+complete, NORMAL:     ${Math.round(journalRate(base, 'NORMAL', journalOps))} ops/s`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
