// The real FileSystem on a disk that keeps names exactly as written (Linux here): a name stored
// decomposed (NFD) is reached by the NFC path the engine's trees use (SCENARIOS #25), because the
// scanner reads it as that NFC name. Found by the end-to-end scenario: an NFD-named file was never
// uploaded (its upload looked for the NFC spelling, found nothing and waited forever).

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
