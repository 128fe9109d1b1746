// The pure step from observations to the local tree: ids survive content updates (atomic saves),
// renames and moves (by inode, else by size+hash); unchanged files are never re-hashed; an
// unreadable folder or an unreadable file never reads as a delete.

import { describe, expect, it } from 'vitest';
import { emptyTree, makeTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { buildLocalTree, pathIndex } from './local-tree.ts';
import type { FileFacts, HashResult, LocalTreeResult } from './local-tree.ts';
import type { Observation } from './observation.ts';

const ROOT = 'root';

function file(path: string, inode: number, content: string, mtimeMs = 1000, extra: Partial<Observation> = {}): Observation {
  return { path, kind: 'file', size: content.length, mtimeMs, inode, executable: false, ignored: false, ...extra, content } as Observation;
}
function folder(path: string, inode: number): Observation {
  return { path, kind: 'folder', size: 0, mtimeMs: 0, inode, executable: false, ignored: false };
}

/** A deterministic world: hashes derived from the content string each observation carries. */
class Scans {
  tree: Tree = emptyTree(ROOT);
  facts: ReadonlyMap<string, FileFacts> = new Map();
  hashedPaths: string[] = [];
  #next = 1;

  scan(observations: Observation[], unreadable: string[] = [], unreadableFiles: string[] = []): LocalTreeResult {
    this.hashedPaths = [];
    const result = buildLocalTree(
      { observations, unreadable, previous: this.tree, previousFacts: this.facts },
      (o): HashResult | undefined => {
        this.hashedPaths.push(o.path);
        if (unreadableFiles.includes(o.path)) return undefined;
        const content = (o as Observation & { content: string }).content;
        return { hash: `blake3:${content}`, size: content.length, mtimeMs: o.mtimeMs };
      },
      () => `id${this.#next++}`,
    );
    this.tree = result.tree;
    this.facts = result.facts;
    return result;
  }

  idAt(path: string): string | undefined {
    for (const item of this.tree.items.values()) if (item.id !== ROOT && pathOf(this.tree, item.id) === path) return item.id;
    return undefined;
  }
}

describe('buildLocalTree', () => {
  it('builds the first tree with new ids, hashes, sizes and exec bits', () => {
    const s = new Scans();
    const result = s.scan([folder('docs', 1), file('docs/a.txt', 2, 'aaa'), file('run', 3, 'x', 1, { executable: true })]);
    expect(result.stats).toMatchObject({ items: 3, hashed: 2, reused: 0, created: 3 });
    const a = s.tree.items.get(s.idAt('docs/a.txt')!);
    expect(a).toMatchObject({ kind: 'file', hash: 'blake3:aaa', size: 3, parentId: s.idAt('docs') });
    expect(s.tree.items.get(s.idAt('run')!)?.executable).toBe(true);
  });

  it('never re-hashes a file whose size, mtime and inode are unchanged', () => {
    const s = new Scans();
    s.scan([file('a.txt', 2, 'aaa'), file('b.txt', 3, 'bbb')]);
    const before = s.idAt('a.txt');
    const result = s.scan([file('a.txt', 2, 'aaa'), file('b.txt', 3, 'bbbb', 2000)]);
    expect(s.hashedPaths).toEqual(['b.txt']);
    expect(result.stats).toMatchObject({ hashed: 1, reused: 1, created: 0 });
    expect(s.idAt('a.txt')).toBe(before);
  });

  it('an atomic save (new inode at the same path) is a content update of the same item', () => {
    const s = new Scans();
    s.scan([file('doc.txt', 2, 'v1')]);
    const id = s.idAt('doc.txt');
    s.scan([file('doc.txt', 99, 'v2', 2000)]);
    expect(s.idAt('doc.txt')).toBe(id);
    expect(s.tree.items.get(id!)?.hash).toBe('blake3:v2');
  });

  it('a rename keeps the id through the inode, and its hash without reading it', () => {
    const s = new Scans();
    s.scan([folder('a', 1), file('a/x.txt', 2, 'xx')]);
    const id = s.idAt('a/x.txt');
    const result = s.scan([folder('a', 1), file('a/y.txt', 2, 'xx')]);
    expect(s.idAt('a/y.txt')).toBe(id);
    expect(s.hashedPaths).toEqual([]);
    expect(result.stats.moved).toBe(1);
    expect(result.vanished).toEqual([]);
  });

  it('a file renamed to an ignored name has vanished, not moved; a finished save from the same base is one update', () => {
    const s = new Scans();
    s.scan([file('report.docx', 2, 'v1')]);
    const base = s.tree;
    const baseFacts = s.facts;
    const id = s.idAt('report.docx');
    const mid = buildLocalTree(
      { observations: [file('~WRL0002.tmp', 2, 'v1', 1000, { ignored: true })], previous: base, previousFacts: baseFacts },
      () => undefined,
      () => 'fresh',
    );
    expect(mid.tree.items.has(id!)).toBe(false);
    expect(mid.vanished).toEqual(['report.docx']);
    // The engine rescans from the same base once the save is finished:
    const done = s.scan([file('report.docx', 3, 'v2', 2000)]);
    expect(s.idAt('report.docx')).toBe(id);
    expect(done.vanished).toEqual([]);
  });

  it('a file replaced by a folder at its path has gone, even when a new file inside gets its freed inode (ext4 reuses them at once)', () => {
    const s = new Scans();
    s.scan([file('thing', 7, 'a file first')]);
    const old = s.idAt('thing');
    s.scan([folder('thing', 8), file('thing/inside.txt', 7, 'now a folder')]);
    expect(s.idAt('thing/inside.txt')).not.toBe(old);
    expect(s.tree.items.has(old!)).toBe(false);
    // A plain move of a file still keeps its id by inode.
    s.scan([folder('thing', 8), file('moved.txt', 9, 'x'), file('thing/inside.txt', 7, 'now a folder')]);
    const inside = s.idAt('thing/inside.txt');
    s.scan([folder('thing', 8), file('moved.txt', 9, 'x'), file('elsewhere.txt', 7, 'now a folder')]);
    expect(s.idAt('elsewhere.txt')).toBe(inside);
  });

  it('a folder replaced by a file at its path: the new file is new, even when it gets the freed inode of a file that was inside (#20)', () => {
    const s = new Scans();
    s.scan([folder('F', 1), file('F/a.txt', 2, 'a'), folder('F/sub', 3), file('F/sub/s.txt', 4, 's')]);
    const ids = ['F', 'F/a.txt', 'F/sub', 'F/sub/s.txt'].map((path) => s.idAt(path)!);
    for (const reused of [2, 4]) {
      const before = { tree: s.tree, facts: s.facts };
      s.scan([file('F', reused, 'now a file')]);
      expect(ids.includes(s.idAt('F')!), `inode ${reused}`).toBe(false);
      for (const id of ids) expect(s.tree.items.has(id)).toBe(false);
      s.tree = before.tree;
      s.facts = before.facts;
    }
    // A file moved out of the folder before it was replaced keeps its id by inode.
    s.scan([file('F', 5, 'now a file'), file('kept.txt', 2, 'a')]);
    expect(s.idAt('kept.txt')).toBe(ids[1]);
  });

  it('a case-only rename is one move (#22)', () => {
    const s = new Scans();
    s.scan([file('a.txt', 2, 'xx')]);
    const id = s.idAt('a.txt');
    s.scan([file('A.txt', 2, 'xx')]);
    expect(s.idAt('A.txt')).toBe(id);
    expect(s.tree.items.size).toBe(2);
  });

  it('parent and child inverted (A/E → E, A → E/A) are pure moves (#15)', () => {
    const s = new Scans();
    s.scan([folder('A', 1), folder('A/E', 2), file('A/E/f.txt', 3, 'f')]);
    const [a, e, f] = [s.idAt('A'), s.idAt('A/E'), s.idAt('A/E/f.txt')];
    const result = s.scan([folder('E', 2), folder('E/A', 1), file('E/f.txt', 3, 'f')]);
    expect([s.idAt('E/A'), s.idAt('E'), s.idAt('E/f.txt')]).toEqual([a, e, f]);
    expect(result.stats.created).toBe(0);
    expect(s.hashedPaths).toEqual([]);
  });

  it('a folder renamed keeps the ids of everything inside', () => {
    const s = new Scans();
    s.scan([folder('old', 1), folder('old/sub', 2), file('old/sub/f', 3, 'f')]);
    const ids = [s.idAt('old'), s.idAt('old/sub'), s.idAt('old/sub/f')];
    s.scan([folder('new', 1), folder('new/sub', 2), file('new/sub/f', 3, 'f')]);
    expect([s.idAt('new'), s.idAt('new/sub'), s.idAt('new/sub/f')]).toEqual(ids);
  });

  it('with no inode match, the same size and hash at exactly one new path is a move', () => {
    const s = new Scans();
    s.scan([file('a.bin', 2, 'payload')]);
    const id = s.idAt('a.bin');
    const result = s.scan([file('b.bin', 50, 'payload')]);
    expect(s.idAt('b.bin')).toBe(id);
    expect(result.stats.moved).toBe(1);
  });

  it('ambiguous content matches stay new items rather than guess', () => {
    const s = new Scans();
    s.scan([file('a', 2, 'same')]);
    const id = s.idAt('a');
    s.scan([file('b', 50, 'same'), file('c', 51, 'same')]);
    expect([s.idAt('b'), s.idAt('c')]).not.toContain(id);
  });

  it('a change of kind at one path is a new item', () => {
    const s = new Scans();
    s.scan([file('x', 2, 'f')]);
    const id = s.idAt('x');
    s.scan([folder('x', 3)]);
    expect(s.idAt('x')).not.toBe(id);
    expect(s.tree.items.get(s.idAt('x')!)?.kind).toBe('folder');
  });

  it('hard links are independent files (#50)', () => {
    const s = new Scans();
    s.scan([file('a', 7, 'same')]);
    const id = s.idAt('a');
    s.scan([file('a', 7, 'same'), file('b', 7, 'same')]);
    expect(s.idAt('a')).toBe(id);
    expect(s.idAt('b')).not.toBe(id);
  });

  it('every mtime changed but bytes equal (#43, #44): re-hashed to equal hashes, same ids', () => {
    const s = new Scans();
    s.scan([file('a', 2, 'aa', 1000), file('b', 3, 'bb', 1000)]);
    const before = s.tree;
    s.scan([file('a', 2, 'aa', 3_601_000), file('b', 3, 'bb', 3_601_000)]);
    expect(s.hashedPaths.sort()).toEqual(['a', 'b']);
    expect([...s.tree.items.entries()]).toEqual([...before.items.entries()]);
  });

  it('ignored entries are in the tree, flagged, and never hashed', () => {
    const s = new Scans();
    const result = s.scan([file('~$doc.docx', 2, 'lock', 1, { ignored: true }), file('doc.docx', 3, 'd')]);
    expect(s.hashedPaths).toEqual(['doc.docx']);
    const lock = s.idAt('~$doc.docx')!;
    expect(result.ignoredIds).toEqual(new Set([lock]));
    expect(s.tree.items.get(lock)?.hash).toBeUndefined();
  });

  it('an unreadable folder keeps what was known inside it (no false deletes)', () => {
    const s = new Scans();
    s.scan([folder('locked', 1), file('locked/a', 2, 'a'), folder('locked/sub', 3), file('locked/sub/b', 4, 'b')]);
    const before = s.tree;
    s.scan([folder('locked', 1)], ['locked']);
    expect(s.tree.items).toEqual(before.items);
  });

  it('a file that cannot be hashed right now keeps its previous state and is retried', () => {
    const s = new Scans();
    s.scan([file('busy', 2, 'v1')]);
    const id = s.idAt('busy');
    const result = s.scan([file('busy', 2, 'v2-being-written', 5000), file('new', 3, 'n')], [], ['busy', 'new']);
    expect(result.retry.sort()).toEqual(['busy', 'new']);
    expect(s.tree.items.get(id!)?.hash).toBe('blake3:v1');
    expect(s.idAt('new')).toBeUndefined();
    // Next time the facts do not match, so it is read again.
    s.scan([file('busy', 2, 'v2', 5000)]);
    expect(s.hashedPaths).toEqual(['busy']);
    expect(s.tree.items.get(id!)?.hash).toBe('blake3:v2');
  });

  it('the path index handed to the next scan equals one computed from the tree itself', () => {
    const s = new Scans();
    s.scan([folder('a', 1), folder('a/b', 2), file('a/b/c', 3, 'c'), file('x', 4, 'x'), file('~$x', 5, 'l', 1, { ignored: true })]);
    s.scan([folder('a', 1), folder('a/moved', 2), file('a/moved/c', 3, 'c'), file('y', 6, 'y')]);
    const fresh = pathIndex(makeTree(s.tree.rootId, s.tree.items.values()));
    expect([...pathIndex(s.tree)].sort()).toEqual([...fresh].sort());
  });

  it('a deleted file disappears from the tree', () => {
    const s = new Scans();
    s.scan([file('a', 2, 'a'), file('b', 3, 'b')]);
    const result = s.scan([file('a', 2, 'a')]);
    expect(s.idAt('b')).toBeUndefined();
    expect(s.tree.items.size).toBe(2);
    expect(result.vanished).toEqual(['b']);
  });
});
