// DiskLister.listSome: a hint in a big folder looks at only the named entries, with the same facts
// a full listing gives, and a name that vanished is simply absent.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskLister } from './disk-lister.ts';

const root = mkdtempSync(join(tmpdir(), 'tandem-disk-lister-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('DiskLister', () => {
  it('lists only the wanted entries of a folder, exactly as the full listing describes them', () => {
    mkdirSync(join(root, 'big'));
    for (let i = 0; i < 50; i++) writeFileSync(join(root, 'big', `f${i}.txt`), `file ${i}`);
    mkdirSync(join(root, 'big', 'sub'));
    const lister = new DiskLister(root);
    const some = lister.listSome('big', (name) => name === 'f7.txt' || name === 'sub' || name === 'gone.txt');
    const all = new Map(lister.list('big').map((entry) => [entry.name, entry]));
    expect(some.map((entry) => entry.name).sort()).toEqual(['f7.txt', 'sub']);
    for (const entry of some) expect(entry).toEqual(all.get(entry.name));
  });

  it('says a missing folder is not found, like the full listing', () => {
    const lister = new DiskLister(root);
    expect(() => lister.listSome('nowhere', () => true)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => lister.list('nowhere')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
