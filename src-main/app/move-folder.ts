// Moving the synced folder to another disk, where one rename cannot do it: copy everything (links
// stay links, times are kept), check that every file and folder arrived with its size, and only
// then remove the original. Anything failing before that removes the copy and leaves the original
// as it was, so a move never loses a file: at every moment at least one whole copy exists.
import { cp, lstat, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every entry under `root` as relative path → what it is (file size, folder, link). */
async function listing(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = relative(root, path);
    if (entry.isSymbolicLink()) entries.set(rel, 'link');
    else if (entry.isDirectory()) entries.set(rel, 'folder');
    else if (entry.isFile()) entries.set(rel, `file ${(await lstat(path)).size}`);
  }
  return entries;
}

/** The first entry of `source` that is missing or different in `target`, or undefined. */
export async function firstDifference(source: string, target: string): Promise<string | undefined> {
  const [from, to] = await Promise.all([listing(source), listing(target)]);
  for (const [path, what] of from) if (to.get(path) !== what) return path;
  return undefined;
}

export type CopyTree = (source: string, target: string) => Promise<void>;

/** Node's cp, minus pipes, sockets and devices: they hold no data and the engine never syncs them. */
const copyTree: CopyTree = (source, target) =>
  cp(source, target, {
    recursive: true,
    errorOnExist: true,
    force: false,
    preserveTimestamps: true,
    verbatimSymlinks: true,
    filter: async (from) => {
      const info = await lstat(from);
      return info.isFile() || info.isDirectory() || info.isSymbolicLink();
    },
  });

/** `copy` is a test seam (a copy that fails half-way). */
export async function moveAcrossDisks(source: string, target: string, copy: CopyTree = copyTree): Promise<void> {
  try {
    await copy(source, target);
    const different = await firstDifference(source, target);
    if (different !== undefined) throw new Error(`${different} did not arrive whole at the new place`);
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
  // The copy is whole and is what syncs from now on; what cannot be removed here stays behind.
  await rm(source, { recursive: true, force: true });
}
