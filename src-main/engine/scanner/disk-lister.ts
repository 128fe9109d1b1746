// The scanner's lister for a real folder: NodeSyncLister, plus `listSome`, which looks at only
// some entries of a folder. A watcher hint names one file in a folder of thousands; listing the
// folder's names is cheap (one getdents), an lstat per entry is not, so only the wanted entries
// are looked at. Names that are not valid UTF-8 in the folder send it the long way (rare).

import { constants, lstatSync, readdirSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { NodeSyncLister, toFsError } from '../fs/node-file-system.ts';
import type { EntryKind, ListedEntry, SyncLister } from '../fs/file-system.ts';

/** A lister that can also look at only the entries whose (disk) names `wanted` accepts. */
export interface PartialLister extends SyncLister {
  listSome(path: string, wanted: (name: string) => boolean): ListedEntry[];
}

export function isPartialLister(lister: SyncLister): lister is PartialLister {
  return typeof (lister as Partial<PartialLister>).listSome === 'function';
}

const EXEC_BITS_EXIST = process.platform !== 'win32';

function kindOf(stats: Stats): EntryKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

export class DiskLister implements PartialLister {
  readonly #root: string;
  readonly #all: NodeSyncLister;

  constructor(root: string) {
    this.#root = root;
    this.#all = new NodeSyncLister(root);
  }

  list(path: string): ListedEntry[] {
    return this.#all.list(path);
  }

  readText(path: string): string | undefined {
    return this.#all.readText(path);
  }

  listSome(path: string, wanted: (name: string) => boolean): ListedEntry[] {
    const folder = path === '' ? this.#root : join(this.#root, ...path.split('/'));
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch (error) {
      throw toFsError(error, 'list', path);
    }
    if (names.some((name) => name.includes('\uFFFD'))) return this.#all.list(path).filter((entry) => wanted(entry.name));
    const result: ListedEntry[] = [];
    for (const name of names) {
      if (!wanted(name)) continue;
      const stats = lstatSync(`${folder}${sep}${name}`, { throwIfNoEntry: false });
      // Gone since the listing: it is simply not there any more.
      if (stats === undefined) continue;
      const kind = kindOf(stats);
      result.push({
        name,
        validUtf8: true,
        kind,
        size: kind === 'file' ? stats.size : 0,
        mtimeMs: stats.mtimeMs,
        inode: stats.ino,
        executable: kind === 'file' && EXEC_BITS_EXIST && (stats.mode & constants.S_IXUSR) !== 0,
      });
    }
    return result;
  }
}
