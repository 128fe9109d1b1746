// The real FileSystem on a disk that keeps names exactly as written (Linux here): a name stored
// decomposed (NFD) is reached by the NFC path the engine's trees use (SCENARIOS #25), because the
// scanner reads it as that NFC name. Found by the end-to-end scenario: an NFD-named file was never
// uploaded (its upload looked for the NFC spelling, found nothing and waited forever).

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterEach, expect, it } from 'vitest';
import { NodeFileSystem } from './node-file-system.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-nodefs-'));
  made.push(dir);
  return dir;
}

const folderNfc = 'Résumés'.normalize('NFC');
const fileNfc = 'café.txt'.normalize('NFC');
const text = (s: string) => new TextEncoder().encode(s);

async function readAll(fs: NodeFileSystem, path: string): Promise<string> {
  const pieces: Uint8Array[] = [];
  for await (const piece of fs.openRead(path)) pieces.push(piece);
  return Buffer.concat(pieces).toString('utf8');
}

it('reads, overwrites, renames and trashes a decomposed name through its composed path, never making a twin', async () => {
  const root = tempRoot();
  mkdirSync(join(root, folderNfc.normalize('NFD')));
  writeFileSync(join(root, folderNfc.normalize('NFD'), fileNfc.normalize('NFD')), 'from a Mac');
  const fs = new NodeFileSystem(root);
  const path = `${folderNfc}/${fileNfc}`;

  expect((await fs.lstat(path)).kind).toBe('file');
  expect(await readAll(fs, path)).toBe('from a Mac');
  expect(Buffer.from(await fs.readRange(path, 5, 3)).toString()).toBe('a M');
  expect((await fs.readdir(folderNfc)).map((e) => e.name)).toEqual([fileNfc.normalize('NFD')]);

  // An overwrite replaces the file under its own spelling: still one entry, decomposed.
  await fs.writeFileAtomic(path, text('downloaded'));
  const entries = readdirSync(join(root, folderNfc.normalize('NFD')));
  expect(entries).toEqual([fileNfc.normalize('NFD')]);
  expect(readFileSync(join(root, folderNfc.normalize('NFD'), entries[0]!), 'utf8')).toBe('downloaded');
  await fs.setExecutable(path, true);
  expect((await fs.lstat(path)).executable).toBe(true);

  await fs.rename(path, `${folderNfc}/plain.txt`);
  expect(readdirSync(join(root, folderNfc.normalize('NFD')))).toEqual(['plain.txt']);
  await fs.mkdir(`${folderNfc}/sub`);
  await fs.trash(folderNfc);
  expect(readdirSync(root).filter((n) => !n.startsWith('.tandem'))).toEqual([]);
});

it('prefers the exact spelling where both forms sit side by side, and creates new names as given', async () => {
  const root = tempRoot();
  writeFileSync(join(root, fileNfc), 'composed');
  writeFileSync(join(root, fileNfc.normalize('NFD')), 'decomposed');
  const fs = new NodeFileSystem(root);
  expect(await readAll(fs, fileNfc)).toBe('composed');
  await fs.remove(fileNfc);
  expect(readdirSync(root)).toEqual([fileNfc.normalize('NFD')]);
  // The decomposed one is now the only spelling of that name: the composed path reaches it.
  expect(await readAll(fs, fileNfc)).toBe('decomposed');

  await fs.writeFileAtomic('ünïcode.txt'.normalize('NFC'), text('new'));
  expect(readdirSync(root)).toContain('ünïcode.txt'.normalize('NFC'));
  await expect(fs.lstat('ghost-é.txt')).rejects.toMatchObject({ code: 'not_found' });
});

it('lists a name that is not UTF-8 under a faithful rendering with its real kind, and the walk keeps it as an ignored, reported entry', async () => {
  const { walkFolder } = await import('../scanner/walk.ts');
  const root = tempRoot();
  const raw = (name: Buffer) => Buffer.concat([Buffer.from(`${root}/`), name]);
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'docs', 'ok.txt'), 'fine');
  writeFileSync(raw(Buffer.from([0x64, 0x6f, 0x63, 0x73, 0x2f, 0x63, 0x61, 0x66, 0xe9])), 'latin-1 name');
  mkdirSync(raw(Buffer.from([0x66, 0xff])));
  writeFileSync(raw(Buffer.from([0x66, 0xff, 0x2f, 0x69, 0x6e])), 'inside an unreadable name');
  const fs = new NodeFileSystem(root);
  const listed = new Map(fs.syncLister.list('docs').map((entry) => [entry.name, entry]));
  expect(listed.get('caf\\xe9')).toMatchObject({ validUtf8: false, kind: 'file', size: 12 });
  expect(listed.get('caf\\xe9')!.inode).toBeGreaterThan(0);

  const walk = walkFolder(fs.syncLister);
  const observed = new Map(walk.observations.map((o) => [o.path, o]));
  expect(observed.get('docs/caf\\xe9')).toMatchObject({ kind: 'file', ignored: true });
  expect(observed.get('f\\xff')).toMatchObject({ kind: 'folder', ignored: true });
  expect(observed.has('f\\xff/in')).toBe(false);
  expect(observed.get('docs/ok.txt')).toMatchObject({ kind: 'file', ignored: false });
  expect(walk.problems.map((p) => `${p.code} ${p.path}`).sort()).toEqual(['invalid_utf8 docs/caf\\xe9', 'invalid_utf8 f\\xff']);
});

it('keeps finding decomposed names as the folder changes, ours and others alike, and forgets a spelling once it is gone', async () => {
  const root = tempRoot();
  const fs = new NodeFileSystem(root);
  const first = 'première.txt'.normalize('NFC');
  const second = 'deuxième.txt'.normalize('NFC');
  writeFileSync(join(root, first.normalize('NFD')), 'one');
  expect(await readAll(fs, first)).toBe('one');
  // Our own writes in the folder (composed names) …
  for (let i = 0; i < 5; i++) await fs.writeFileAtomic(`été-${i}.txt`.normalize('NFC'), text(String(i)));
  expect(await readAll(fs, first)).toBe('one');
  // … and another program's decomposed file arriving after them.
  writeFileSync(join(root, second.normalize('NFD')), 'two');
  expect((await fs.lstat(second)).size).toBe(3);
  expect(await readAll(fs, second)).toBe('two');

  // Moved away, the decomposed spelling is forgotten: a new file by that name is written composed.
  await fs.rename(first, 'moved.txt');
  await expect(fs.lstat(first)).rejects.toMatchObject({ code: 'not_found' });
  await fs.writeFileAtomic(first, text('new'));
  expect(readdirSync(root)).toContain(first);
  expect(readdirSync(root)).not.toContain(first.normalize('NFD'));
});

it('never replaces a file the user saves at the target while a rename runs (the save always survives)', async () => {
  const root = tempRoot();
  const fs = new NodeFileSystem(root);
  const outcomes = { moved: 0, refused: 0 };
  for (let round = 0; round < 200; round++) {
    writeFileSync(join(root, 'incoming'), 'from the server');
    const save = writeFile(join(root, `saved-${round}.txt`), 'the user saved this');
    const move = fs.rename('incoming', `saved-${round}.txt`).then(
      () => outcomes.moved++,
      (error: unknown) => {
        expect((error as { code?: unknown }).code).toBe('exists');
        outcomes.refused++;
      },
    );
    await Promise.all([save, move]);
    expect(readFileSync(join(root, `saved-${round}.txt`), 'utf8'), `round ${round}`).toBe('the user saved this');
    rmSync(join(root, 'incoming'), { force: true });
  }
  expect(outcomes.moved + outcomes.refused).toBe(200);
});
