// The local index against a real SQLite file in a temp state folder: trees round-trip exactly and
// survive reopening, facts and block lists, cursor with its tree page, exclusions, questions, the
// journal, migrations, and refusals (state inside the synced folder, another folder's index,
// bad input that changes nothing).

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Operation } from '../planner/operations.ts';
import type { TreeItem } from '../tree/item.ts';
import { makeTree } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { IndexError } from './index-error.ts';
import { INDEX_FILE, LocalIndex } from './local-index.ts';
import type { AskOperation, LocalFacts, ReportOperation } from './local-index.ts';
import { migrate, MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

let dir: string;
let synced: string;
let state: string;
const open = () => LocalIndex.open({ stateDir: state, syncedFolder: synced });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-index-'));
  synced = join(dir, 'Sync');
  state = join(dir, 'state');
  mkdirSync(synced);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const hash = (n: number) => `blake3:${n.toString(16).padStart(64, '0')}`;

function sampleTree(): Tree {
  const items: TreeItem[] = [
    { id: 'root', parentId: null, name: '', kind: 'folder' },
    { id: 'docs', parentId: 'root', name: 'Docs', kind: 'folder', metadataVersion: 3 },
    { id: 'a', parentId: 'docs', name: 'Café résumé.txt', kind: 'file', hash: hash(1), size: 12, executable: false, metadataVersion: 1, contentVersion: 2 },
    { id: 'b', parentId: 'root', name: 'run.sh', kind: 'file', hash: hash(2), size: 0, executable: true },
    { id: 'c', parentId: 'root', name: '日本 😀 .md', kind: 'file', hash: hash(3), size: 9_007_199_254_740 },
  ];
  return makeTree('root', items);
}

const sortedItems = (tree: Tree) => [...tree.items.values()].sort((x, y) => (x.id < y.id ? -1 : 1));

describe('trees', () => {
  it('a saved tree loads back exactly, after closing and reopening, each of the three apart', () => {
    const index = open();
    const tree = sampleTree();
    index.saveTree('remote', tree);
    index.saveTree('synced', makeTree('root', [{ id: 'root', parentId: null, name: '', kind: 'folder' }]));
    expect(index.loadTree('local')).toBeUndefined();
    index.close();

    const again = open();
    const remote = again.loadTree('remote') as Tree;
    expect(remote.rootId).toBe('root');
    expect(sortedItems(remote)).toEqual(sortedItems(tree));
    // Absent optional fields stay absent (not undefined), so planner comparisons see no change.
    expect(Object.keys(remote.items.get('c') as TreeItem)).toEqual(['id', 'parentId', 'name', 'kind', 'hash', 'size']);
    expect((again.loadTree('synced') as Tree).items.size).toBe(1);
    again.close();
  });

  it('saving replaces the whole tree; updates put and remove single items', () => {
    const index = open();
    index.saveTree('local', sampleTree());
    index.saveTree('local', makeTree('root', [{ id: 'root', parentId: null, name: '', kind: 'folder' }, { id: 'x', parentId: 'root', name: 'x', kind: 'folder' }]));
    expect([...(index.loadTree('local') as Tree).items.keys()].sort()).toEqual(['root', 'x']);
    index.updateTree('local', { put: [{ id: 'y', parentId: 'x', name: 'y.txt', kind: 'file', hash: hash(9), size: 1 }], remove: ['x'] });
    expect([...(index.loadTree('local') as Tree).items.keys()].sort()).toEqual(['root', 'y']);
    index.close();
  });

  it('an update to a tree that was never saved is refused and changes nothing', () => {
    const index = open();
    expect(() => index.updateTree('synced', { put: [{ id: 'y', parentId: 'root', name: 'y', kind: 'folder' }] })).toThrow(
      'The synced tree has not been saved yet, so it cannot be changed item by item.',
    );
    expect(index.loadTree('synced')).toBeUndefined();
    index.close();
  });

  it('a bad item in a save is a one-line error and the old tree stays whole', () => {
    const index = open();
    index.saveTree('remote', sampleTree());
    const bad = makeTree('root', [
      { id: 'root', parentId: null, name: '', kind: 'folder' },
      { id: 'z', parentId: 'root', name: 'z', kind: 'symlink' as unknown as 'file' },
    ]);
    expect(() => index.saveTree('remote', bad)).toThrow('Item z has the kind "symlink"; only file and folder are stored.');
    expect(sortedItems(index.loadTree('remote') as Tree)).toEqual(sortedItems(sampleTree()));
    expect(() => index.saveTree('remote', makeTree('gone', []))).toThrow('The remote tree to save has no root item gone.');
    index.close();
  });

  it('property: whatever was stored before, a save leaves exactly the saved tree (rows are diffed, not rewritten)', () => {
    const field = <T,>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const itemArb = fc.record({
      n: fc.nat(12),
      name: fc.constantFrom('a', 'b', 'Café', 'x y', ''),
      kind: fc.constantFrom('file', 'folder') as fc.Arbitrary<'file' | 'folder'>,
      hash: field(fc.nat(3).map(hash)),
      size: field(fc.constantFrom(0, 1, 2 ** 40)),
      executable: field(fc.boolean()),
      metadataVersion: field(fc.nat(3)),
      contentVersion: field(fc.nat(3)),
    });
    const treeArb = fc.array(itemArb, { maxLength: 12 }).map((raw) => {
      const items: TreeItem[] = [{ id: 'root', parentId: null, name: '', kind: 'folder' }];
      for (const r of raw) {
        const item: Record<string, unknown> = { id: `i${r.n}`, parentId: 'root', name: r.name, kind: r.kind };
        for (const key of ['hash', 'size', 'executable', 'metadataVersion', 'contentVersion'] as const) {
          if (r[key] !== undefined) item[key] = r[key];
        }
        items.push(item as unknown as TreeItem);
      }
      return makeTree('root', items);
    });
    const index = open();
    fc.assert(
      fc.property(fc.array(treeArb, { minLength: 1, maxLength: 4 }), (trees) => {
        for (const tree of trees) index.saveTree('local', tree);
        const last = trees.at(-1) as Tree;
        expect(sortedItems(index.loadTree('local') as Tree)).toEqual(sortedItems(last));
      }),
      { numRuns: 200 },
    );
    index.close();
  });

  it('property: the writer hands out the trees it keeps in memory, always equal to what is stored, also after transactions that failed part-way', () => {
    // A random mix of saves, updates and failing transactions (whole, or one nested step caught).
    const item = (n: number, name: string): TreeItem => ({ id: `i${n}`, parentId: 'root', name, kind: 'file', hash: hash(n), size: n });
    const stepArb = fc.oneof(
      fc.record({ kind: fc.constant('save' as const), ids: fc.uniqueArray(fc.nat(8), { maxLength: 6 }), name: fc.constantFrom('a', 'b') }),
      fc.record({ kind: fc.constant('update' as const), put: fc.uniqueArray(fc.nat(8), { maxLength: 3 }), remove: fc.uniqueArray(fc.nat(8), { maxLength: 3 }), name: fc.constantFrom('a', 'c') }),
      fc.record({ kind: fc.constant('failed' as const), put: fc.uniqueArray(fc.nat(8), { maxLength: 3 }), nested: fc.boolean() }),
      // As the group journal writes: many completions in one transaction, each its own savepoint,
      // the same ids put and removed again; maybe a read part-way, maybe the whole group failing.
      fc.record({
        kind: fc.constant('group' as const),
        updates: fc.array(fc.record({ put: fc.uniqueArray(fc.nat(8), { maxLength: 3 }), remove: fc.uniqueArray(fc.nat(8), { maxLength: 3 }), fails: fc.boolean() }), { maxLength: 6 }),
        readAfter: fc.nat(6),
        groupFails: fc.boolean(),
      }),
    );
    const index = open();
    const reader = () => {
      const readOnly = LocalIndex.openReadOnly(state);
      try {
        return readOnly.loadTree('remote');
      } finally {
        readOnly.close();
      }
    };
    const root: TreeItem = { id: 'root', parentId: null, name: '', kind: 'folder' };
    index.saveTree('remote', makeTree('root', [root]));
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 8 }), (steps) => {
        for (const step of steps) {
          if (step.kind === 'group') {
            const group = () =>
              index.transaction(() => {
                step.updates.forEach((update, at) => {
                  if (at === step.readAfter) index.loadTree('remote');
                  try {
                    index.transaction(() => {
                      index.updateTree('remote', { put: update.put.map((n) => item(n, `g${at}`)), remove: update.remove.map((n) => `i${n}`) });
                      if (update.fails) throw new Error('this completion fails');
                    });
                  } catch {
                    // its own failure: the others stay
                  }
                });
                if (step.groupFails) throw new Error('the group fails');
              });
            if (step.groupFails) expect(group).toThrow('the group fails');
            else group();
          } else if (step.kind === 'save') index.saveTree('remote', makeTree('root', [root, ...step.ids.map((n) => item(n, step.name))]));
          else if (step.kind === 'update') index.updateTree('remote', { put: step.put.map((n) => item(n, step.name)), remove: step.remove.map((n) => `i${n}`) });
          else if (step.nested) {
            index.transaction(() => {
              index.updateTree('remote', { remove: ['i0'] });
              try {
                index.transaction(() => {
                  index.updateTree('remote', { put: step.put.map((n) => item(n, 'failed')) });
                  throw new Error('the nested step fails');
                });
              } catch {
                // caught: the outer transaction commits without it
              }
            });
          } else {
            expect(() =>
              index.transaction(() => {
                index.updateTree('remote', { put: step.put.map((n) => item(n, 'failed')), remove: ['i1'] });
                throw new Error('the whole transaction fails');
              }),
            ).toThrow('the whole transaction fails');
          }
          expect(sortedItems(index.loadTree('remote') as Tree)).toEqual(sortedItems(reader() as Tree));
        }
      }),
      { numRuns: 100 },
    );
    expect(index.loadTree('remote'), 'an unchanged tree is not read again').toBe(index.loadTree('remote'));
    index.close();
  });

  it('long runs of writes with no read between them (past the point where the cache catches up on its own) keep the cache equal to the rows, a failure after that too', () => {
    const index = open();
    const reader = () => {
      const readOnly = LocalIndex.openReadOnly(state);
      try {
        return sortedItems(readOnly.loadTree('remote') as Tree);
      } finally {
        readOnly.close();
      }
    };
    const root: TreeItem = { id: 'root', parentId: null, name: '', kind: 'folder' };
    const items = (from: number, count: number, name: string): TreeItem[] =>
      Array.from({ length: count }, (_, i) => ({ id: `i${from + i}`, parentId: 'root', name: `${name}${from + i}`, kind: 'file', hash: hash(from + i), size: i }));
    index.saveTree('remote', makeTree('root', [root]));
    index.loadTree('remote');
    index.transaction(() => {
      for (let at = 0; at < 12_000; at += 1_500) index.updateTree('remote', { put: items(at, 1_500, 'a') });
      index.updateTree('remote', { remove: items(0, 3_000, 'a').map((item) => item.id) });
    });
    expect(sortedItems(index.loadTree('remote') as Tree)).toEqual(reader());
    // Written and not yet read when the failing run starts: it must survive the run's undo.
    index.updateTree('remote', { put: items(20_000, 3, 'c') });
    expect(() =>
      index.transaction(() => {
        for (let at = 0; at < 12_000; at += 1_500) index.updateTree('remote', { put: items(at, 1_500, 'b'), remove: [`i${at + 7}`] });
        throw new Error('the run fails at the end');
      }),
    ).toThrow('the run fails at the end');
    expect(sortedItems(index.loadTree('remote') as Tree)).toEqual(reader());
    expect(index.loadTree('remote')?.items.get('i5000')?.name).toBe('a5000');
    expect(index.loadTree('remote')?.items.get('i20002')?.name).toBe('c20002');
    index.close();
  });

  it('100k items save and load within a generous bound (bench/index.ts measures it properly)', () => {
    const items: TreeItem[] = [{ id: 'root', parentId: null, name: '', kind: 'folder' }];
    for (let i = 0; i < 100_000; i++) {
      items.push({ id: `item-${i}`, parentId: i < 100 ? 'root' : `item-${i % 100}`, name: `file ${i}.txt`, kind: i < 100 ? 'folder' : 'file', ...(i < 100 ? {} : { hash: hash(i), size: i }) });
    }
    const index = open();
    const started = performance.now();
    index.saveTree('synced', makeTree('root', items));
    const loaded = index.loadTree('synced') as Tree;
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(loaded.items.size).toBe(100_001);
    expect(loaded.items.get('item-54321')).toEqual(items[54_322]);
    index.close();
  });
});

describe('local facts', () => {
  const facts = (id: string, inode: number, blocks = 3): LocalFacts => ({
    id,
    size: blocks * 1000,
    mtimeMs: 1_700_000_000_123.5,
    inode,
    hash: hash(inode),
    blocks: Array.from({ length: blocks }, (_, i) => ({ offset: i * 1000, size: 1000, hash: hash(inode * 10 + i) })),
  });

  it('a bulk write of a whole folder (rows written many to a statement) stores every row as given, the last of a repeated id winning', () => {
    const index = open();
    // 1,000 items: whole batches of many rows and a remainder written one by one; every item shape.
    const items: TreeItem[] = [{ id: 'root', parentId: null, name: '', kind: 'folder' }];
    for (let i = 0; i < 999; i++) {
      const shape = i % 4;
      if (shape === 0) items.push({ id: `i${i}`, parentId: 'root', name: `folder ${i}`, kind: 'folder' });
      else if (shape === 1) items.push({ id: `i${i}`, parentId: 'root', name: `file ${i}`, kind: 'file', hash: hash(i), size: i });
      else if (shape === 2) items.push({ id: `i${i}`, parentId: 'root', name: `file ${i}`, kind: 'file', hash: hash(i), size: i, executable: true, metadataVersion: 2, contentVersion: 3 });
      else items.push({ id: `i${i}`, parentId: 'root', name: `folder ${i}`, kind: 'folder', metadataVersion: 5 });
    }
    index.saveTree('local', makeTree('root', items));
    const written = Array.from({ length: 1000 }, (_, i) => facts(`f${i}`, 100 + i, i % 3));
    // The same id again later in the batch: the later facts are what is stored.
    written.push({ ...facts('f7', 999_999, 2), mtimeMs: 1_800_000_000_000.25 });
    index.putFacts(written);
    index.close();

    const reader = LocalIndex.openReadOnly(state);
    try {
      expect(sortedItems(reader.loadTree('local') as Tree)).toEqual(sortedItems(makeTree('root', items)));
      const stored = reader.allFacts();
      expect(stored.size).toBe(1000);
      expect(stored.get('f7')).toEqual({ ...facts('f7', 999_999, 2), mtimeMs: 1_800_000_000_000.25 });
      for (let i = 0; i < 1000; i++) if (i !== 7) expect(stored.get(`f${i}`)).toEqual(facts(`f${i}`, 100 + i, i % 3));
    } finally {
      reader.close();
    }
  });

  it('round-trip with their block lists and survive reopening', () => {
    const index = open();
    index.putFacts([facts('a', 11), facts('b', 12, 0), facts('c', 11, 1)]);
    index.close();
    const again = open();
    expect(again.getFacts('a')).toEqual(facts('a', 11));
    expect(again.getFacts('b')?.blocks).toEqual([]);
    again.removeFacts(['a']);
    expect([...again.allFacts().keys()].sort()).toEqual(['b', 'c']);
    again.close();
  });

  it('the summaries the writer keeps in memory follow every write, and a batch that failed changes them no more than the rows', () => {
    const index = open();
    index.putFacts([facts('a', 11), facts('b', 12, 0)]);
    const summaries = () => [...index.factsSummaries()].sort(([x], [y]) => (x < y ? -1 : 1));
    const fromDisk = () => {
      const reader = LocalIndex.openReadOnly(state);
      try {
        return [...reader.factsSummaries()].sort(([x], [y]) => (x < y ? -1 : 1));
      } finally {
        reader.close();
      }
    };
    expect(summaries()).toEqual([
      ['a', { size: 3000, mtimeMs: 1_700_000_000_123.5, inode: 11, hash: hash(11) }],
      ['b', { size: 0, mtimeMs: 1_700_000_000_123.5, inode: 12, hash: hash(12) }],
    ]);
    index.putFacts([{ ...facts('c', 13), hash: '' }]);
    index.removeFacts(['a']);
    expect(summaries()).toEqual(fromDisk());
    expect(index.factsSummaries().get('c'), 'no hash: absent, as in the scanner\'s facts').toEqual({ size: 3000, mtimeMs: 1_700_000_000_123.5, inode: 13 });
    expect(() => index.putFacts([facts('d', 14), { ...facts('e', 15), blocks: [{ offset: 0, size: 5, hash: 'bad' }] }])).toThrow(/^Block 0/u);
    expect(() =>
      index.transaction(() => {
        index.removeFacts(['b']);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(summaries()).toEqual(fromDisk());
    expect(summaries().map(([id]) => id)).toEqual(['b', 'c']);
    // Many writes in one transaction, the same ids again, a read part-way and a failed savepoint.
    index.transaction(() => {
      index.putFacts([facts('d', 14), facts('e', 15)]);
      index.removeFacts(['d', 'b']);
      expect(index.factsSummaries().has('d')).toBe(false);
      index.putFacts([facts('d', 16)]);
      try {
        index.transaction(() => {
          index.removeFacts(['e']);
          index.putFacts([facts('f', 17)]);
          throw new Error('this one fails');
        });
      } catch {
        // its own failure: the others stay
      }
      index.removeFacts(['c']);
    });
    expect(summaries()).toEqual(fromDisk());
    expect(summaries().map(([id, summary]) => [id, summary.inode])).toEqual([
      ['d', 16],
      ['e', 15],
    ]);
    index.close();
  });

  it('a bad block hash refuses the whole batch', () => {
    const index = open();
    const broken = { ...facts('d', 14), blocks: [{ offset: 0, size: 5, hash: 'sha256:00' }] };
    expect(() => index.putFacts([facts('a', 11), broken])).toThrow(/^Block 0 has the hash "sha256:00"; expected blake3: and 64 lowercase hex digits\.$/u);
    expect(index.getFacts('a')).toBeUndefined();
    expect(() => index.putFacts([{ ...facts('e', 1), size: -1 }])).toThrow('The facts of e have size -1; expected a number of at least 0.');
    index.close();
  });
});

describe('cursor, exclusions and questions', () => {
  it('the cursor advances only together with the remote tree page it belongs to', () => {
    const index = open();
    expect(index.cursor).toBeUndefined();
    index.saveTree('remote', sampleTree());
    index.applyRemoteChanges({ remove: ['b'] }, 'c-41');
    expect(index.cursor).toBe('c-41');
    expect(() => index.applyRemoteChanges({ put: [{ id: 'q', parentId: 'root', name: 'q', kind: 'nope' as 'file' }] }, 'c-42')).toThrow(IndexError);
    expect(index.cursor).toBe('c-41');
    index.close();
    expect(open().cursor).toBe('c-41');
  });

  it('a full re-listing replaces the remote tree and the cursor together, or neither', () => {
    const index = open();
    index.saveTree('remote', sampleTree());
    index.setCursor('c-1');
    const relisted = makeTree('root', [{ id: 'root', parentId: null, name: '', kind: 'folder' }, { id: 'n', parentId: 'root', name: 'n', kind: 'folder' }]);
    index.replaceRemoteTree(relisted, 'c-90');
    expect([...(index.loadTree('remote') as Tree).items.keys()].sort()).toEqual(['n', 'root']);
    expect(index.cursor).toBe('c-90');
    const broken = makeTree('root', [{ id: 'root', parentId: null, name: '', kind: 'folder' }, { id: 'q', parentId: 'root', name: 'q', kind: 'link' as 'file' }]);
    expect(() => index.replaceRemoteTree(broken, 'c-91')).toThrow('Item q has the kind "link"; only file and folder are stored.');
    expect(index.cursor).toBe('c-90');
    expect([...(index.loadTree('remote') as Tree).items.keys()].sort()).toEqual(['n', 'root']);
    index.close();
  });

  it('selective-sync exclusions are kept as a set', () => {
    const index = open();
    index.setExcludedIds(['f2', 'f1', 'f2']);
    index.close();
    const again = open();
    expect(again.excludedIds()).toEqual(new Set(['f1', 'f2']));
    again.setExcludedIds([]);
    expect(again.excludedIds().size).toBe(0);
    again.close();
  });

  it('a mass-delete question waits for its answer across restarts; a yes approves that batch only', () => {
    const ask = (batchKey: string): AskOperation => ({
      kind: 'ask', question: 'mass_delete', side: 'remote', count: 40, total: 100, batchKey, samplePaths: ['a', 'b'], message: 'Delete 40 files?',
    });
    const index = open();
    index.recordQuestions([ask('k1'), ask('k2')], 1000);
    index.close();
    const again = open();
    expect(again.pendingQuestions().map((q) => q.batchKey)).toEqual(['k1', 'k2']);
    again.answerQuestion('k1', 'yes', 2000);
    expect(again.approvedMassDeletes()).toEqual(new Set(['k1']));
    expect(() => again.answerQuestion('k1', 'no')).toThrow('That question is no longer waiting for an answer; check the status again.');
    // The planner asks again with a different batch: the stale unanswered one goes, the answer stays.
    again.recordQuestions([ask('k3')], 3000);
    expect(again.questions().map((q) => [q.ask.batchKey, q.answer])).toEqual([['k1', 'yes'], ['k3', undefined]]);
    again.forgetQuestions(['k1']);
    expect(again.approvedMassDeletes().size).toBe(0);
    again.close();
  });
});

describe('reports of the latest plan', () => {
  const report = (id: string, code: 'skipped_name' | 'edit_conflict'): ReportOperation => ({
    kind: 'report', code, id, path: `Docs/${id}`, message: `Something about ${id}.`,
  });

  it('are kept in order until the next plan replaces them', () => {
    const index = open();
    index.saveReports([report('b', 'skipped_name'), report('a', 'edit_conflict')], 5);
    index.close();
    const again = open();
    expect(again.reports()).toEqual([
      { report: report('b', 'skipped_name'), reportedAt: 5 },
      { report: report('a', 'edit_conflict'), reportedAt: 5 },
    ]);
    again.saveReports([]);
    expect(again.reports()).toEqual([]);
    again.close();
  });

  it('something that is not a report is refused and the stored reports stay', () => {
    const index = open();
    index.saveReports([report('a', 'skipped_name')], 1);
    const notReport = { kind: 'markSynced', id: 'x', item: null } as unknown as ReportOperation;
    expect(() => index.saveReports([report('c', 'skipped_name'), notReport])).toThrow('Only report operations are stored as reports, not "markSynced".');
    expect(index.reports().map((r) => r.report.id)).toEqual(['a']);
    index.close();
  });
});

describe('reading while a sync runs (tandem status)', () => {
  it('a read-only index sees what the writer committed, and cannot write', () => {
    const writer = open();
    writer.saveTree('remote', sampleTree());
    writer.setCursor('c-7');
    const reader = LocalIndex.openReadOnly(state);
    expect(reader.syncedFolder).toBe(writer.syncedFolder);
    expect(reader.cursor).toBe('c-7');
    expect(reader.loadTree('remote')?.items.size).toBe(5);
    writer.applyRemoteChanges({ remove: ['b'] }, 'c-8');
    expect(reader.loadTree('remote')?.items.size).toBe(4);
    expect(() => reader.setCursor('c-9')).toThrow(/readonly/u);
    reader.close();
    writer.close();
  });

  it('a reader sees the latest status the writer saved, whole; an index from before keeps its old status readable', () => {
    const writer = open();
    const reader = LocalIndex.openReadOnly(state);
    expect(reader.statusJson).toBeUndefined();
    writer.saveStatusJson('{"state":"syncing"}');
    expect(reader.statusJson).toBe('{"state":"syncing"}');
    writer.saveStatusJson('{"state":"idle"}');
    expect(reader.statusJson).toBe('{"state":"idle"}');
    expect(readdirSync(state).filter((name) => name.endsWith('.tmp')), 'no temp file left behind').toEqual([]);
    reader.close();
    writer.close();
    // Before the status had a file of its own, it was a row of the meta table.
    rmSync(join(state, 'status.json'));
    const db = new SqliteDatabase(join(state, INDEX_FILE));
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('status', '{\"state\":\"old\"}')").run();
    db.close();
    const old = LocalIndex.openReadOnly(state);
    expect(old.statusJson).toBe('{"state":"old"}');
    old.close();
  });

  it('a state folder without an index says how to make one', () => {
    expect(() => LocalIndex.openReadOnly(state)).toThrow(`There is no Tandem index in ${state}; run tandem sync with --state ${state} first.`);
  });
});

describe('journal', () => {
  const upload: Operation = {
    kind: 'upload', id: 'a', parentId: 'docs', name: 'x.txt', hash: hash(5), size: 5, executable: false, ifMatchContent: 2, path: 'Docs/x.txt',
  };

  it('an operation begun and not completed is there after a restart, with its idempotency key', () => {
    const index = open();
    index.saveTree('synced', sampleTree());
    const entry = index.journalBegin(upload, { now: 77 });
    index.close();
    const again = open();
    expect(again.journalEntries()).toEqual([{ seq: entry.seq, operation: upload, idempotencyKey: entry.idempotencyKey, startedAt: 77, attempts: 1 }]);
    again.journalRetry(entry.seq);
    expect(again.journalEntries()[0]?.attempts).toBe(2);
    again.close();
  });

  it('completing advances the trees and drops the entry together; completing twice is a no-op', () => {
    const index = open();
    index.saveTree('synced', sampleTree());
    index.saveTree('remote', sampleTree());
    const entry = index.journalBegin(upload);
    const advanced = { id: 'a', parentId: 'docs', name: 'Café résumé.txt', kind: 'file', hash: hash(5), size: 5, contentVersion: 3 } as const;
    expect(index.journalComplete(entry.seq, { synced: { put: [advanced] }, remote: { put: [advanced] } })).toBe(true);
    expect(index.journalEntries()).toEqual([]);
    expect(index.loadTree('synced')?.items.get('a')).toEqual(advanced);
    expect(index.journalComplete(entry.seq, { synced: { remove: ['a'] } })).toBe(false);
    expect(index.loadTree('synced')?.items.get('a')).toEqual(advanced);
    index.close();
  });

  it('a completion that cannot be applied leaves the entry for the replay', () => {
    const index = open();
    const entry = index.journalBegin(upload);
    expect(() => index.journalComplete(entry.seq, { synced: { remove: ['a'] } })).toThrow('The synced tree has not been saved yet');
    expect(index.journalEntries().map((e) => e.seq)).toEqual([entry.seq]);
    index.journalAbandon(entry.seq);
    expect(index.journalEntries()).toEqual([]);
    expect(() => index.journalAbandon(entry.seq)).toThrow(`Journal entry ${entry.seq} is not there (already completed or abandoned).`);
    index.close();
  });
});

describe('where the index may live', () => {
  it('a state folder inside the synced folder is refused with a clear error, and nothing is created', () => {
    const inside = join(synced, '.tandem-state');
    expect(() => LocalIndex.open({ stateDir: inside, syncedFolder: synced })).toThrow(
      `The state folder ${inside} is inside the synced folder ${synced}; choose a state folder outside it (for example with --state).`,
    );
    expect(() => LocalIndex.open({ stateDir: synced, syncedFolder: synced })).toThrow(IndexError);
    expect(() => LocalIndex.open({ stateDir: inside, syncedFolder: synced })).toThrow(expect.objectContaining({ code: 'state_inside_folder' }));
    expect(existsSync(inside)).toBe(false);
    expect(() => open().close()).not.toThrow();
    expect(() => LocalIndex.open({ stateDir: join(synced, 'a', '..', 'b'), syncedFolder: synced })).toThrow(/is inside the synced folder/u);
  });

  it('a state folder reached through a symlink into the synced folder is refused too', () => {
    symlinkSync(synced, join(dir, 'link'));
    expect(() => LocalIndex.open({ stateDir: join(dir, 'link', 'state'), syncedFolder: synced })).toThrow(/is inside the synced folder/u);
  });

  it('a state folder beside the synced folder with a similar name is fine', () => {
    const index = LocalIndex.open({ stateDir: join(dir, 'Sync-state'), syncedFolder: synced });
    expect(index.path).toBe(join(dir, 'Sync-state', INDEX_FILE));
    index.close();
  });

  it('an index is bound to its synced folder', () => {
    open().close();
    const other = join(dir, 'Other');
    mkdirSync(other);
    expect(() => LocalIndex.open({ stateDir: state, syncedFolder: other })).toThrow(
      `The state folder ${state} belongs to the synced folder ${synced}, not ${other}; use another state folder.`,
    );
  });
});

describe('migrations', () => {
  it('run once, are recorded, and reopening changes nothing', () => {
    open().close();
    const db = new SqliteDatabase(join(state, INDEX_FILE));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(migrate(db, state)).toBe(SCHEMA_VERSION);
    db.close();
    open().close();
  });

  it('a later migration applies on top of existing data', () => {
    const index = open();
    index.saveTree('local', sampleTree());
    index.close();
    const db = new SqliteDatabase(join(state, INDEX_FILE));
    const extra = { version: SCHEMA_VERSION + 1, description: 'test', sql: 'CREATE TABLE IF NOT EXISTS extra (x INTEGER);' };
    expect(migrate(db, state, [...MIGRATIONS, extra])).toBe(SCHEMA_VERSION + 1);
    expect(db.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 5 });
    db.close();
  });

  it('an index from schema 1 is upgraded in place, keeping its trees', () => {
    mkdirSync(state);
    const db = new SqliteDatabase(join(state, INDEX_FILE));
    db.pragma('journal_mode = WAL');
    migrate(db, state, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO meta (key, value) VALUES ('synced_folder', ?)").run(synced);
    db.prepare("INSERT INTO trees (tree, root_id) VALUES ('local', 'root')").run();
    db.prepare("INSERT INTO items (tree, id, parent_id, name, kind) VALUES ('local', 'root', NULL, '', 'folder')").run();
    db.close();
    expect(() => LocalIndex.openReadOnly(state)).toThrow(`The index in ${state} is from an older Tandem; run tandem sync once to upgrade it.`);
    const index = open();
    expect(index.loadTree('local')?.items.size).toBe(1);
    expect(index.reports()).toEqual([]);
    index.close();
    const check = new SqliteDatabase(join(state, INDEX_FILE));
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // Schema 3 dropped the unused index of facts by inode: one B-tree less to write per file.
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'local_facts' AND name NOT LIKE 'sqlite_%'").all()).toEqual([]);
    check.close();
  });

  it('an index written by a newer Tandem is refused in one sentence', () => {
    open().close();
    const db = new SqliteDatabase(join(state, INDEX_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => open()).toThrow(
      `The index in ${state} was written by a newer version of Tandem (schema ${SCHEMA_VERSION + 5}, this one knows ${SCHEMA_VERSION}); update Tandem or use another state folder.`,
    );
  });

  it('a file that is not a database is a one-line error naming the folder', () => {
    mkdirSync(state);
    writeFileSync(join(state, INDEX_FILE), 'this is not sqlite, just text that is long enough to be read as a header '.repeat(20));
    expect(() => open()).toThrow(new RegExp(`^Cannot (open|read) the index in ${state.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}: file is not a database\\.$`, 'u'));
  });
});
