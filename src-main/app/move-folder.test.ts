// Moving a folder by copying: everything arrives (nested files, empty folders, links as links)
// before the original goes; a copy that fails or comes out short leaves the original whole and no
// half copy behind.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { moveAcrossDisks } from './move-folder.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function folderWithFiles(): Promise<{ root: string; source: string }> {
  const root = await mkdtemp(join(tmpdir(), 'tandem-move-'));
  dirs.push(root);
  const source = join(root, 'Tandem');
  await mkdir(join(source, 'Docs', 'Old'), { recursive: true });
  await mkdir(join(source, 'Empty'));
  await writeFile(join(source, 'Docs', 'plan.txt'), 'the plan\n');
  await writeFile(join(source, 'Docs', 'Old', 'big.bin'), Buffer.alloc(300_000, 1));
  await symlink('Docs/plan.txt', join(source, 'plan-link'));
  return { root, source };
}

describe('moveAcrossDisks', () => {
  it('copies everything, checks it, and only then removes the original', async () => {
    const { root, source } = await folderWithFiles();
    const target = join(root, 'Elsewhere', 'Tandem');
    await moveAcrossDisks(source, target);
    expect(await readFile(join(target, 'Docs', 'plan.txt'), 'utf8')).toBe('the plan\n');
    expect((await stat(join(target, 'Docs', 'Old', 'big.bin'))).size).toBe(300_000);
    expect((await stat(join(target, 'Empty'))).isDirectory()).toBe(true);
    expect(await readlink(join(target, 'plan-link'))).toBe('Docs/plan.txt');
    await expect(stat(source)).rejects.toThrow();
  });

  it('leaves the original whole and no half copy when the copy fails half-way', async () => {
    const { root, source } = await folderWithFiles();
    const target = join(root, 'Elsewhere', 'Tandem');
    const halfCopy = async (from: string, to: string) => {
      await mkdir(join(to, 'Docs'), { recursive: true });
      await writeFile(join(to, 'Docs', 'plan.txt'), await readFile(join(from, 'Docs', 'plan.txt')));
      throw new Error('the disk was unplugged');
    };
    await expect(moveAcrossDisks(source, target, halfCopy)).rejects.toThrow('the disk was unplugged');
    await expect(stat(target)).rejects.toThrow();
    expect((await stat(join(source, 'Docs', 'Old', 'big.bin'))).size).toBe(300_000);
  });

  it('refuses a copy that is not whole, and keeps the original', async () => {
    const { root, source } = await folderWithFiles();
    const target = join(root, 'Elsewhere', 'Tandem');
    const shortCopy = async (from: string, to: string) => {
      await mkdir(join(to, 'Docs', 'Old'), { recursive: true });
      await writeFile(join(to, 'Docs', 'plan.txt'), 'the pl');
    };
    await expect(moveAcrossDisks(source, target, shortCopy)).rejects.toThrow(/did not arrive whole at the new place/);
    await expect(stat(target)).rejects.toThrow();
    expect(await readFile(join(source, 'Docs', 'plan.txt'), 'utf8')).toBe('the plan\n');
  });

  it('leaves out pipes, which hold no data and are never synced', async () => {
    const { root, source } = await folderWithFiles();
    execFileSync('mkfifo', [join(source, 'a-pipe')]);
    const target = join(root, 'Elsewhere', 'Tandem');
    await moveAcrossDisks(source, target);
    expect(await readFile(join(target, 'Docs', 'plan.txt'), 'utf8')).toBe('the plan\n');
    await expect(stat(join(target, 'a-pipe'))).rejects.toThrow();
  });
});
