// The real FileSystem's lookup of decomposed names (SCENARIOS #25) must not list a folder for
// every lookup: a thousand new accented names downloaded into one big folder would each cost a
// listing of it. Counted here by wrapping readdir (this file mocks node:fs/promises for that).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

const listings = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...original,
    readdir: ((...args: Parameters<typeof original.readdir>) => {
      listings.count += 1;
      return original.readdir(...args);
    }) as typeof original.readdir,
  };
});

const { NodeFileSystem } = await import('./node-file-system.ts');

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('lists a folder once for many lookups of new accented names, and again only when someone else changes it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tandem-spellings-'));
  made.push(root);
  for (let i = 0; i < 200; i++) writeFileSync(join(root, `fichier-${i}.txt`), '');
  writeFileSync(join(root, 'café.txt'.normalize('NFD')), 'decomposed');
  const fs = new NodeFileSystem(root);
  listings.count = 0;
  for (let i = 0; i < 50; i++) {
    const name = `reçu-${i}.txt`.normalize('NFC');
    await expect(fs.lstat(name)).rejects.toMatchObject({ code: 'not_found' });
    await fs.writeFileAtomic(name, new TextEncoder().encode('x'));
    await fs.rename(name, `reçu-${i}-final.txt`.normalize('NFC'));
  }
  expect(listings.count).toBe(1);

  // Another program adds a decomposed name: the next lookup lists the folder again and finds it.
  writeFileSync(join(root, 'noël.txt'.normalize('NFD')), 'another program');
  expect((await fs.lstat('noël.txt'.normalize('NFC'))).size).toBe(15);
  expect(listings.count).toBe(2);
  expect((await fs.lstat('café.txt'.normalize('NFC'))).size).toBe(10);
  expect(listings.count).toBe(2);
});
