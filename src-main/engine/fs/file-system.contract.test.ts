// One contract, two file systems: the real one on a temp folder and the in-memory fake must behave
// the same for everything the engine relies on. Then the fake's own knobs (case-insensitive, NFD,
// injected failures, slowness) and the Node-only facts (exec bits, non-UTF-8 names) are checked.

import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFileSystem } from './fake-file-system.ts';
import { FsError, LOCAL_TRASH_FOLDER, TEMP_PREFIX } from './file-system.ts';
import type { FileSystem } from './file-system.ts';
import { NodeFileSystem } from './node-file-system.ts';

const text = (s: string) => new TextEncoder().encode(s);

async function readAll(fs: FileSystem, path: string): Promise<string> {
  const pieces: Uint8Array[] = [];
  for await (const piece of fs.openRead(path)) pieces.push(piece);
  return Buffer.concat(pieces).toString('utf8');
}

async function failure(promise: Promise<unknown>): Promise<FsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FsError);
    return error as FsError;
  }
  throw new Error('expected the operation to fail');
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-fs-'));
  made.push(dir);
  return dir;
}

const implementations: Array<[string, () => FileSystem]> = [
  ['node', () => new NodeFileSystem(tempRoot())],
  ['fake', () => new FakeFileSystem()],
];

describe.each(implementations)('FileSystem contract: %s', (_label, create) => {
  it('writes atomically, reads back, and lists with kinds', async () => {
    const fs = create();
    await fs.mkdir('docs');
    const stat = await fs.writeFileAtomic('docs/a.txt', text('hello'));
    expect(stat).toMatchObject({ kind: 'file', size: 5, executable: false });
    expect(await readAll(fs, 'docs/a.txt')).toBe('hello');
    expect(await fs.readdir('')).toEqual([{ name: 'docs', kind: 'folder' }]);
    expect(await fs.readdir('docs')).toEqual([{ name: 'a.txt', kind: 'file' }]);
    const listed = fs.syncLister.list('docs');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: 'a.txt', validUtf8: true, kind: 'file', size: 5, inode: stat.inode });
  });

  it('replaces a file with a new inode and leaves no temp file behind', async () => {
    const fs = create();
    const first = await fs.writeFileAtomic('a.txt', text('one'));
    async function* pieces() {
      yield text('tw');
      yield text('o!');
    }
    const second = await fs.writeFileAtomic('a.txt', pieces(), { mtimeMs: 1_600_000_000_000 });
    expect(second.inode).not.toBe(first.inode);
    expect(second.mtimeMs).toBe(1_600_000_000_000);
    // What the write returns is what the file now is (the engine records it as the file's facts).
    expect(await fs.lstat('a.txt')).toEqual(second);
    const third = await fs.writeFileAtomic('a.txt', text('x'), { executable: true, mtimeMs: 1_700_000_000_123 });
    expect(third).toMatchObject({ size: 1, executable: true, mtimeMs: 1_700_000_000_123 });
    expect(await fs.lstat('a.txt')).toEqual(third);
    expect(await readAll(fs, 'a.txt')).toBe('x');
    await fs.writeFileAtomic('a.txt', text('two!'));
    const names = (await fs.readdir('')).map((e) => e.name);
    expect(names.filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
  });

  it('keeps the inode across a rename and refuses to overwrite', async () => {
    const fs = create();
    const a = await fs.writeFileAtomic('a.txt', text('a'));
    await fs.writeFileAtomic('b.txt', text('b'));
    const taken = await failure(fs.rename('a.txt', 'b.txt'));
    expect(taken.code).toBe('exists');
    expect(await readAll(fs, 'b.txt')).toBe('b');
    await fs.mkdir('sub');
    await fs.rename('a.txt', 'sub/c.txt');
    expect((await fs.lstat('sub/c.txt')).inode).toBe(a.inode);
    expect((await failure(fs.lstat('a.txt'))).code).toBe('not_found');
  });

  it('moves to the local trash instead of deleting, and removes only empty folders', async () => {
    const fs = create();
    await fs.mkdir('f');
    await fs.writeFileAtomic('f/x.txt', text('keep me'));
    const where = await fs.trash('f/x.txt');
    expect(where.startsWith(`${LOCAL_TRASH_FOLDER}/`)).toBe(true);
    expect(await readAll(fs, where)).toBe('keep me');
    await fs.writeFileAtomic('f/y.txt', text('y'));
    expect((await failure(fs.remove('f'))).code).toBe('not_empty');
    await fs.remove('f/y.txt');
    await fs.remove('f');
    expect((await fs.readdir('')).map((e) => e.name)).toEqual(['.tandem']);
  });

  it('sets and clears the executable bit', async () => {
    const fs = create();
    await fs.writeFileAtomic('run.sh', text('#!/bin/sh'), { executable: true });
    expect((await fs.lstat('run.sh')).executable).toBe(true);
    await fs.setExecutable('run.sh', false);
    expect((await fs.lstat('run.sh')).executable).toBe(false);
    await fs.setExecutable('run.sh', true);
    expect((await fs.lstat('run.sh')).executable).toBe(true);
  });

  it('gives clear codes for missing parents, taken names and paths that leave the folder', async () => {
    const fs = create();
    expect((await failure(fs.writeFileAtomic('no/such.txt', text('x')))).code).toBe('not_found');
    await fs.mkdir('d');
    const taken = await failure(fs.mkdir('d'));
    expect(taken.code).toBe('exists');
    expect(taken.message).toMatch(/already taken/);
    expect((await failure(fs.lstat('../etc/passwd'))).code).toBe('bad_path');
    expect((await failure(fs.lstat('/abs'))).code).toBe('bad_path');
  });

  it('streams every byte whatever size the reader expected: the same, smaller, bigger, nothing', async () => {
    const fs = create();
    const content = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 31) % 251));
    await fs.writeFileAtomic('big.bin', content);
    await fs.writeFileAtomic('small.txt', text('four'));
    const read = async (path: string, expectedSize?: number) => {
      const pieces: Uint8Array[] = [];
      for await (const piece of fs.openRead(path, expectedSize)) pieces.push(piece);
      return Buffer.concat(pieces);
    };
    for (const expected of [undefined, content.length, 0, 4, 4096, 1024 * 1024, 10 * 1024 * 1024]) {
      expect((await read('big.bin', expected)).equals(content)).toBe(true);
      expect((await read('small.txt', expected)).toString()).toBe('four');
    }
  });

  it('reads a byte range in place: short at the end, empty past it, refused for bad ranges and missing files', async () => {
    const fs = create();
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    await fs.writeFileAtomic('big.bin', bytes);
    expect(await fs.readRange('big.bin', 100_000, 70_000)).toEqual(bytes.slice(100_000, 170_000));
    expect(await fs.readRange('big.bin', 0, 1)).toEqual(bytes.slice(0, 1));
    expect(await fs.readRange('big.bin', 299_990, 100)).toEqual(bytes.slice(299_990));
    expect(await fs.readRange('big.bin', 400_000, 10)).toEqual(new Uint8Array(0));
    expect(await fs.readRange('big.bin', 5, 0)).toEqual(new Uint8Array(0));
    expect((await failure(fs.readRange('big.bin', -1, 10))).code).toBe('bad_path');
    expect((await failure(fs.readRange('big.bin', 0, 1.5))).code).toBe('bad_path');
    expect((await failure(fs.readRange('gone.bin', 0, 10))).code).toBe('not_found');
    expect((await failure(fs.readRange('../outside', 0, 10))).code).toBe('bad_path');
  });

  it('reports free space as a positive number of bytes', async () => {
    expect(await create().freeSpace()).toBeGreaterThan(0);
  });

  it('reads small text files for the scanner, undefined when absent', () => {
    const fs = create();
    expect(fs.syncLister.readText('.tandemignore')).toBeUndefined();
  });
});

describe('FakeFileSystem knobs', () => {
  it('case-insensitive: one entry for both spellings, and a case-only rename is allowed', async () => {
    const fs = new FakeFileSystem({ caseInsensitive: true });
    await fs.writeFileAtomic('Readme.md', text('1'));
    expect(await readAll(fs, 'README.MD')).toBe('1');
    expect((await failure(fs.mkdir('readme.md'))).code).toBe('exists');
    await fs.rename('Readme.md', 'README.md');
    expect((await fs.readdir('')).map((e) => e.name)).toEqual(['README.md']);
  });

  it('NFD like macOS: stores decomposed names and finds them by either form', async () => {
    const fs = new FakeFileSystem({ normalization: 'nfd' });
    const nfc = 'caf\u00e9.txt';
    await fs.writeFileAtomic(nfc, text('x'));
    const [entry] = await fs.readdir('');
    expect(entry?.name).toBe(nfc.normalize('NFD'));
    expect(entry?.name).not.toBe(nfc);
    expect(await readAll(fs, nfc)).toBe('x');
  });

  it('fails with EIO, ENOSPC or EACCES exactly where and how a test says, then recovers', async () => {
    const fs = new FakeFileSystem();
    await fs.mkdir('d');
    fs.failAt('d/bad.txt', 'EIO', ['write']);
    const io = await failure(fs.writeFileAtomic('d/bad.txt', text('x')));
    expect(io).toMatchObject({ code: 'io', errno: 'EIO' });
    await fs.writeFileAtomic('d/good.txt', text('x'));
    fs.failAt('d', 'EACCES', ['list']);
    expect(() => fs.syncLister.list('d')).toThrow(FsError);
    fs.clearFailures();
    expect(fs.syncLister.list('d').map((e) => e.name)).toEqual(['good.txt']);
    fs.freeBytes = 3;
    expect((await failure(fs.writeFileAtomic('d/big.txt', text('four')))).code).toBe('no_space');
    expect(fs.get('d/big.txt')).toBeUndefined();
  });

  it('is slow when asked to be', async () => {
    const fs = new FakeFileSystem({ latencyMs: 30 });
    const started = performance.now();
    await fs.lstat('');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('NodeFileSystem on a real disk', () => {
  it('reports symlinks without following them and names that are not UTF-8', () => {
    const root = tempRoot();
    writeFileSync(join(root, 'real.txt'), 'x');
    symlinkSync('/etc', join(root, 'link'));
    writeFileSync(Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x62, 0xff, 0x2e, 0x74])]), 'bad name');
    // Another bad name with the same lossy rendering ("b\uFFFD.t"): it must read differently.
    writeFileSync(Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x62, 0xfe, 0x2e, 0x74])]), 'bad name too');
    const fs = new NodeFileSystem(root);
    const byName = new Map(fs.syncLister.list('').map((e) => [e.name, e]));
    expect(byName.get('link')).toMatchObject({ kind: 'symlink', validUtf8: true });
    expect(byName.get('real.txt')).toMatchObject({ kind: 'file', validUtf8: true, size: 1 });
    const invalid = [...byName.values()].filter((e) => !e.validUtf8);
    expect(invalid.map((e) => e.name).sort()).toEqual(['b\\xfe.t', 'b\\xff.t']);
    expect(readdirSync(root)).toHaveLength(4);
  });

  it('never reads through a symlink when reading a byte range', async () => {
    const root = tempRoot();
    const outside = tempRoot();
    writeFileSync(join(outside, 'secret.txt'), 'not yours');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link'));
    const fs = new NodeFileSystem(root);
    await expect(fs.readRange('link', 0, 9)).rejects.toBeInstanceOf(FsError);
  });

  it('never sets setuid, setgid or sticky bits when making a file executable', async () => {
    const root = tempRoot();
    const fs = new NodeFileSystem(root);
    await fs.writeFileAtomic('tool', text('x'));
    await fs.setExecutable('tool', true);
    const { statSync } = await import('node:fs');
    expect(statSync(join(root, 'tool')).mode & 0o7000).toBe(0);
    expect(statSync(join(root, 'tool')).mode & 0o100).toBe(0o100);
  });
});
