// The walk, on the fake file system: what it reports for ordinary entries, ignored ones (built-in
// and nested .tandemignore), links, macOS NFD names, twin NFC/NFD names, and unreadable folders.

import { describe, expect, it } from 'vitest';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { ScanRootError, walkFolder, walkPaths } from './walk.ts';

function byPath(fs: FakeFileSystem) {
  const result = walkFolder(fs.syncLister);
  return { ...result, map: new Map(result.observations.map((o) => [o.path, o])) };
}

describe('walkFolder', () => {
  it('reports every file and folder with size, inode and exec bit, parents before children', () => {
    const fs = new FakeFileSystem();
    fs.put('a/b/c.txt', 'hello', { mtimeMs: 1000 });
    fs.put('run.sh', '#!', { executable: true });
    const { observations, map, problems } = byPath(fs);
    expect([...map.keys()].sort()).toEqual(['a', 'a/b', 'a/b/c.txt', 'run.sh']);
    expect(map.get('a/b/c.txt')).toMatchObject({ kind: 'file', size: 5, mtimeMs: 1000, ignored: false, executable: false });
    expect(map.get('run.sh')?.executable).toBe(true);
    const order = observations.map((o) => o.path);
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('a/b'));
    expect(order.indexOf('a/b')).toBeLessThan(order.indexOf('a/b/c.txt'));
    expect(problems).toEqual([]);
  });

  it('flags temp and lock files, applies nested .tandemignore files, and does not enter ignored folders', () => {
    const fs = new FakeFileSystem();
    fs.put('.tandemignore', 'build/\n*.log\n');
    fs.put('build/out.js', 'x');
    fs.put('~$report.docx', 'lock');
    fs.put('report.docx', 'doc');
    fs.put('app/.tandemignore', '!keep.log\n');
    fs.put('app/keep.log', 'x');
    fs.put('app/drop.log', 'x');
    fs.put('.tandem/trash/old.txt', 'x');
    const { map } = byPath(fs);
    expect(map.get('build')?.ignored).toBe(true);
    expect(map.has('build/out.js')).toBe(false);
    expect(map.get('~$report.docx')?.ignored).toBe(true);
    expect(map.get('report.docx')?.ignored).toBe(false);
    expect(map.get('.tandemignore')?.ignored).toBe(false);
    expect(map.get('app/keep.log')?.ignored).toBe(false);
    expect(map.get('app/drop.log')?.ignored).toBe(true);
    expect(map.get('.tandem')?.ignored).toBe(true);
    expect(map.has('.tandem/trash')).toBe(false);
  });

  it('reports symbolic links as ignored, never following them (#49)', () => {
    const fs = new FakeFileSystem();
    fs.put('dir/x.txt', 'x');
    fs.putLink('outside', '/etc');
    const { map, problems } = byPath(fs);
    expect(map.get('outside')).toMatchObject({ kind: 'symlink', ignored: true });
    expect(problems).toEqual([expect.objectContaining({ code: 'symlink', path: 'outside' })]);
  });

  it('gives NFC paths for NFD names on a macOS-like disk, and keeps the disk spelling for reading', () => {
    const fs = new FakeFileSystem({ normalization: 'nfd', caseInsensitive: true });
    fs.put('Caf\u00e9/r\u00e9sum\u00e9.txt', 'x');
    const { map } = byPath(fs);
    const file = map.get('Caf\u00e9/r\u00e9sum\u00e9.txt');
    expect(file).toBeDefined();
    expect(file?.diskPath).toBe('Caf\u00e9/r\u00e9sum\u00e9.txt'.normalize('NFD'));
    expect(fs.get(file!.diskPath!)).toBeDefined();
  });

  it('keeps one of two names that differ only in Unicode normalization and reports the other (#26)', () => {
    const fs = new FakeFileSystem();
    fs.put('caf\u00e9.txt', 'nfc');
    fs.put('cafe\u0301.txt', 'nfd');
    const { observations, problems } = byPath(fs);
    expect(observations.map((o) => o.path)).toEqual(['caf\u00e9.txt']);
    expect(observations[0]?.diskPath).toBeUndefined();
    expect(problems).toEqual([expect.objectContaining({ code: 'encoding_conflict', path: 'cafe\u0301.txt' })]);
  });

  it('an unreadable folder is reported and listed as unreadable, the walk goes on', () => {
    const fs = new FakeFileSystem();
    fs.put('locked/secret.txt', 'x');
    fs.put('open/a.txt', 'x');
    fs.failAt('locked', 'EACCES', ['list']);
    const { map, problems, unreadable } = byPath(fs);
    expect(map.has('locked')).toBe(true);
    expect(map.has('open/a.txt')).toBe(true);
    expect(unreadable).toEqual(['locked']);
    expect(problems[0]?.code).toBe('unreadable');
  });

  it('a root that cannot be listed is an error, never an empty folder (#41)', () => {
    const fs = new FakeFileSystem();
    fs.failAt('', 'EIO', ['list']);
    expect(() => walkFolder(fs.syncLister)).toThrow(ScanRootError);
  });

  it('hands observations over in batches when asked', () => {
    const fs = new FakeFileSystem();
    for (let i = 0; i < 25; i++) fs.put(`d${i % 5}/f${i}.txt`, 'x');
    const batches: number[] = [];
    const result = walkFolder(fs.syncLister, { batchSize: 6, onBatch: (batch) => batches.push(batch.length) });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(result.observations.length);
    expect(batches.length).toBeGreaterThan(1);
  });
});

describe('walkPaths', () => {
  it('a hint inside another hinted folder is walked once, as part of that folder; look-alike names are not inside it', () => {
    const fs = new FakeFileSystem();
    fs.put('docs/a.txt', 'a');
    fs.put('docs/sub/b.txt', 'b');
    fs.put('docs-old/c.txt', 'c');
    fs.put('docs b/d.txt', 'd');
    const result = walkPaths(fs.syncLister, ['docs/sub/b.txt', 'docs', 'docs-old/c.txt', 'docs/a.txt', 'docs b/d.txt'], []);
    expect(result.covered.sort()).toEqual(['docs', 'docs b/d.txt', 'docs-old/c.txt']);
    const paths = result.observations.map((o) => o.path);
    expect(paths.sort()).toEqual(['docs', 'docs b/d.txt', 'docs-old/c.txt', 'docs/a.txt', 'docs/sub', 'docs/sub/b.txt']);
    expect(new Set(paths).size, 'nothing observed twice').toBe(paths.length);
  });
});
