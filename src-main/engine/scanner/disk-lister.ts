// The scanner's lister for a real folder: NodeSyncLister, plus `listSome`, which looks at only
// some entries of a folder. A watcher hint names one file in a folder of thousands; listing the
// folder's names is cheap (one getdents), an lstat per entry is not, so only the wanted entries
// are looked at. Names that are not valid UTF-8 in the folder send it the long way (rare).
// And `listUnstatted`, for a first index: every file will be opened and hashed anyway, and the
// hasher's fstat gives its facts, so regular files (by the listing's entry type) are not lstat'ed
// at all; they come back marked `unstatted`, with zero facts, until the hasher fills them in.

import { constants, lstatSync, readdirSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { NodeSyncLister, toFsError } from '../fs/node-file-system.ts';
import type { EntryKind, ListedEntry, SyncLister } from '../fs/file-system.ts';

/** An entry whose facts (size, mtime, inode, executable bit) were not read: a regular file. */
export interface ScanEntry extends ListedEntry {
  unstatted?: true;
}

/** A lister that can also look at only the entries whose (disk) names `wanted` accepts. */
export interface PartialLister extends SyncLister {
  listSome(path: string, wanted: (name: string) => boolean): ListedEntry[];
  /** Like list, but regular files are not lstat'ed (see above). */
  listUnstatted(path: string): ScanEntry[];
  /** One entry, lstat'ed (undefined when gone). */
  statOne(path: string): ListedEntry | undefined;
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
      const entry = this.#stat(`${folder}${sep}${name}`, name);
      // Gone since the listing: it is simply not there any more.
      if (entry) result.push(entry);
    }
    return result;
  }

  listUnstatted(path: string): ScanEntry[] {
    const folder = path === '' ? this.#root : join(this.#root, ...path.split('/'));
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      throw toFsError(error, 'list', path);
    }
    if (entries.some((entry) => entry.name.includes('\uFFFD'))) return this.#all.list(path);
    const result: ScanEntry[] = [];
    for (const dirent of entries) {
      const name = dirent.name;
      if (dirent.isFile()) {
        result.push({ name, validUtf8: true, kind: 'file', size: 0, mtimeMs: 0, inode: 0, executable: false, unstatted: true });
        continue;
      }
      const entry = this.#stat(`${folder}${sep}${name}`, name);
      if (entry) result.push(entry);
    }
    return result;
  }

  statOne(path: string): ListedEntry | undefined {
    const slash = path.lastIndexOf('/');
    return this.#stat(join(this.#root, ...path.split('/')), path.slice(slash + 1));
  }

  #stat(absolute: string, name: string): ListedEntry | undefined {
    let stats: Stats | undefined;
    try {
      stats = lstatSync(absolute, { throwIfNoEntry: false });
    } catch (error) {
      throw toFsError(error, 'look at', name);
    }
    if (stats === undefined) return undefined;
    const kind = kindOf(stats);
    return {
      name,
      validUtf8: true,
      kind,
      size: kind === 'file' ? stats.size : 0,
      mtimeMs: stats.mtimeMs,
      inode: stats.ino,
      executable: kind === 'file' && EXEC_BITS_EXIST && (stats.mode & constants.S_IXUSR) !== 0,
    };
  }
}
