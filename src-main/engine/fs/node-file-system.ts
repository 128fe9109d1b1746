// The real FileSystem: Node's fs on one synced folder. Errors become FsError with a stable code;
// writes go through a fsynced temp file renamed into place; the scanner's listing uses the
// synchronous calls (it runs in a worker) and reads names as bytes only where it must.

import { randomBytes } from 'node:crypto';
import { constants, lstatSync, readFileSync, readdirSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readdir, rename, rm, rmdir, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { showBytes } from '../fs-policy/disk-names.ts';
import {
  FsError,
  LOCAL_TRASH_FOLDER,
  TEMP_PREFIX,
  baseName,
  checkRange,
  joinPath,
  parentPath,
  splitPath,
  trashName,
} from './file-system.ts';
import type { DirEntry, EntryKind, EntryStat, FileSystem, FsErrorCode, ListedEntry, SyncLister, WriteOptions } from './file-system.ts';

const CODES: Record<string, FsErrorCode> = {
  ENOENT: 'not_found',
  ENOTDIR: 'not_found',
  EEXIST: 'exists',
  EISDIR: 'is_a_folder',
  ENOTEMPTY: 'not_empty',
  ENOSPC: 'no_space',
  EDQUOT: 'no_space',
  EACCES: 'access',
  EPERM: 'access',
  EROFS: 'access',
  EIO: 'io',
};

const DESCRIPTIONS: Record<FsErrorCode, string> = {
  not_found: 'it does not exist',
  exists: 'the name is already taken',
  not_a_folder: 'it is not a folder',
  is_a_folder: 'it is a folder',
  not_empty: 'the folder is not empty',
  no_space: 'the disk is full',
  access: 'permission was denied',
  io: 'the disk reported an input/output error',
  bad_path: 'the path is not inside the folder',
  other: 'the operation failed',
};

/** Turns a Node error into an FsError naming the operation and the path. */
export function toFsError(error: unknown, action: string, path: string): FsError {
  if (error instanceof FsError) return error;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const code = (errno !== undefined ? CODES[errno] : undefined) ?? 'other';
  const detail = code === 'other' && error instanceof Error ? error.message : DESCRIPTIONS[code];
  return new FsError(code, failureSentence(action, path, detail), path, errno, { cause: error });
}

/** The FsError toFsError makes of an ENOENT, for a missing path found without an exception. */
function notFound(action: string, path: string): FsError {
  return new FsError('not_found', failureSentence(action, path, DESCRIPTIONS.not_found), path, 'ENOENT');
}

function failureSentence(action: string, path: string, detail: string): string {
  return `Could not ${action} "${path || '.'}": ${detail}.`;
}

function kindOf(stats: Stats | Dirent): EntryKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

const EXEC_BITS_EXIST = process.platform !== 'win32';
/** Bytes a streamed read takes at once. */
const READ_BUFFER_BYTES = 1024 * 1024;

/** The entry at an absolute path, or undefined when there is none or it cannot be looked at (no exception is built). */
export function existingEntry(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function describe(stats: Stats): EntryStat {
  const kind = kindOf(stats);
  return {
    kind,
    size: kind === 'file' ? stats.size : 0,
    mtimeMs: stats.mtimeMs,
    inode: stats.ino,
    executable: kind === 'file' && EXEC_BITS_EXIST && (stats.mode & constants.S_IXUSR) !== 0,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;

const NO_SPELLINGS: ReadonlyMap<string, string> = new Map();
const MAX_CACHED_FOLDERS = 256;

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function mtimeOf(folder: string): Promise<number | undefined> {
  return lstat(folder).then(
    (stats) => stats.mtimeMs,
    () => undefined,
  );
}

/**
 * Makes a rename durable: the new directory entry survives a power cut only once the folder is
 * fsynced (as Syncthing does). Windows cannot open folders for this; there it is skipped.
 */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems (network mounts) refuse fsync on folders; the rename itself happened.
  } finally {
    await handle.close();
  }
}

export class NodeFileSystem implements FileSystem {
  readonly root: string;
  readonly description: string;
  readonly syncLister: SyncLister;
  /** Per folder (absolute): its entries not spelled in NFC, and the folder's mtime when listed. */
  readonly #spellings = new Map<string, { mtimeMs: number; odd: Map<string, string> }>();

  constructor(root: string) {
    this.root = root;
    this.description = root;
    this.syncLister = new NodeSyncLister(root);
  }

  /** The absolute path of a relative one (checked: it cannot leave the folder). */
  absolute(path: string): string {
    return join(this.root, ...splitPath(path));
  }

  /**
   * The absolute path as this disk spells it. Tree paths are NFC, but a disk that keeps names as
   * written (Linux, Windows) can hold one decomposed (NFD: copied from a Mac, unpacked from an
   * archive), and the scanner reads it as that NFC name (SCENARIOS #25). Every operation must then
   * reach the file under its disk spelling: read by the NFC spelling it is not found (its upload
   * waited forever), written by it a twin appears beside it. A part that is not on disk as given
   * is looked up by its NFC form among its folder's entries, the first in listing order as the
   * scanner's walk keeps it (the exact spelling wins where both exist, #26); a part found under
   * no spelling stays as given (created in NFC). ASCII paths, nearly all, go straight through,
   * and so does any path that exists as given. `mustExist`: a miss in the cached spellings is
   * checked against a fresh listing (a read must never miss a file that is there).
   */
  async #onDisk(path: string, mustExist = false): Promise<string> {
    const parts = splitPath(path);
    const direct = join(this.root, ...parts);
    if (ASCII.test(path) || (await exists(direct))) return direct;
    let current = join(this.root, '.');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const next = join(current, part);
      if (ASCII.test(part) || (await exists(next))) {
        current = next;
        continue;
      }
      const wanted = part.normalize('NFC');
      let match = (await this.#oddSpellings(current, false)).get(wanted);
      if (match === undefined && mustExist) match = (await this.#oddSpellings(current, true)).get(wanted);
      if (match === undefined) return join(current, ...parts.slice(i));
      current = join(current, match);
    }
    return current;
  }

  /**
   * The entries of a folder whose names are not NFC, by NFC form. Cached per folder and trusted
   * while the folder's mtime is the one it was listed at (any entry added, removed or renamed
   * changes it), so many lookups in one big folder cost one listing, not one each; our own
   * changes keep the cache valid (#changing), since they only ever add NFC names. A change it
   * misses (coarse timestamps, a race with our own change) costs a read nothing: reads look again
   * on a miss (mustExist); a lookup for a new name may then write it composed beside a decomposed
   * one, which the scanner reports (#26), never a lost byte.
   */
  async #oddSpellings(folder: string, fresh: boolean): Promise<ReadonlyMap<string, string>> {
    const stamp = await mtimeOf(folder);
    if (stamp === undefined) return NO_SPELLINGS;
    const cached = this.#spellings.get(folder);
    if (!fresh && cached && cached.mtimeMs === stamp) return cached.odd;
    const odd = new Map<string, string>();
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      // A lossy rendering of a name that is not UTF-8 (U+FFFD) names no file we may touch (#29).
      if (ASCII.test(name) || name.includes('\uFFFD')) continue;
      const nfc = name.normalize('NFC');
      if (nfc !== name && !odd.has(nfc)) odd.set(nfc, name);
    }
    if (this.#spellings.size >= MAX_CACHED_FOLDERS) this.#spellings.clear();
    this.#spellings.set(folder, { mtimeMs: stamp, odd });
    return odd;
  }

  /**
   * Runs one of our own changes to entries of these folders (absolute). A folder whose spellings
   * are cached and unchanged up to now is still described by them afterwards (we add only NFC
   * names; a name we take away is dropped from them), so its cache moves to the new mtime.
   */
  async #changing<T>(folders: readonly string[], change: () => Promise<T>, removed?: string): Promise<T> {
    const watched = [...new Set(folders)].filter((folder) => this.#spellings.has(folder));
    if (watched.length === 0) return change();
    const before = await Promise.all(watched.map(mtimeOf));
    try {
      return await change();
    } finally {
      for (const [at, folder] of watched.entries()) {
        const entry = this.#spellings.get(folder);
        if (!entry) continue;
        const after = entry.mtimeMs === before[at] ? await mtimeOf(folder) : undefined;
        if (after === undefined) {
          this.#spellings.delete(folder);
          continue;
        }
        entry.mtimeMs = after;
        if (removed !== undefined && dirname(removed) === folder) {
          const name = basename(removed);
          const nfc = name.normalize('NFC');
          if (entry.odd.get(nfc) === name) entry.odd.delete(nfc);
        }
      }
    }
  }

  async lstat(path: string): Promise<EntryStat> {
    let stats: Stats | undefined;
    try {
      // Synchronous: a local lstat takes microseconds, where the promise version costs ~40 µs of
      // CPU (thread pool, promise) and builds an exception for a missing path, the usual answer
      // when a download checks that its name is free (profiled: 10k downloads).
      stats = lstatSync(await this.#onDisk(path), { throwIfNoEntry: false });
    } catch (error) {
      throw toFsError(error, 'look at', path);
    }
    if (stats === undefined) throw notFound('look at', path);
    return describe(stats);
  }

  async readdir(path: string): Promise<DirEntry[]> {
    try {
      const entries = await readdir(await this.#onDisk(path, true), { withFileTypes: true });
      return entries.map((entry) => ({ name: entry.name, kind: kindOf(entry) }));
    } catch (error) {
      throw toFsError(error, 'list', path);
    }
  }

  async *openRead(path: string, expectedSize?: number): AsyncIterable<Uint8Array> {
    let handle;
    try {
      handle = await open(await this.#onDisk(path, true), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      // Sized to the file when its size is known (one byte more, so the first read can end it): a
      // 1 MiB buffer for each 4 KiB file was most of a 10k-file upload's allocation and GC.
      let buffer = Buffer.allocUnsafe(expectedSize === undefined ? READ_BUFFER_BYTES : Math.min(READ_BUFFER_BYTES, expectedSize + 1));
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        yield Uint8Array.prototype.slice.call(buffer, 0, bytesRead);
        // Filled: the file is bigger than expected (it grew), so read on in full-sized pieces.
        if (bytesRead === buffer.length && buffer.length < READ_BUFFER_BYTES) buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      }
    } catch (error) {
      throw toFsError(error, 'read', path);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(path, offset, length);
    let handle;
    try {
      handle = await open(await this.#onDisk(path, true), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      const out = new Uint8Array(length);
      let filled = 0;
      // A positional read may return less than asked before the end; only 0 bytes means the end.
      while (filled < length) {
        const { bytesRead } = await handle.read(out, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? out : out.slice(0, filled);
    } catch (error) {
      throw toFsError(error, 'read', path);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  async writeFileAtomic(path: string, data: Uint8Array | AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<EntryStat> {
    if (path === '') throw new FsError('is_a_folder', 'Could not write the synced folder itself: it is a folder.', path);
    const tempPath = joinPath(parentPath(path), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    let handle;
    let temp: string | undefined;
    let target: string;
    try {
      target = await this.#onDisk(path);
      const created = await this.#onDisk(tempPath);
      const folder = dirname(created);
      handle = await this.#changing([folder], () => open(created, 'wx', options.executable ? 0o755 : 0o644));
      temp = created;
      if (data instanceof Uint8Array) await handle.writeFile(data);
      else for await (const piece of data) await handle.write(piece);
      // Mode set explicitly: the umask must not decide whether the exec bit survives.
      await handle.chmod(options.executable ? 0o755 : 0o644);
      if (options.mtimeMs !== undefined) await handle.utimes(new Date(), new Date(options.mtimeMs));
      await handle.sync();
      // The facts of the file as written, from its own handle (the rename keeps them): an lstat
      // after the rename cost as much, and would take an edit made meanwhile for ours.
      const written = await handle.stat();
      await handle.close();
      handle = undefined;
      await this.#changing([folder, dirname(target)], () => rename(created, target), created);
      await syncFolder(join(target, '..'));
      return describe(written);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      if (temp !== undefined) await unlink(temp).catch(() => undefined);
      throw toFsError(error, 'write', path);
    }
  }

  async mkdir(path: string): Promise<void> {
    try {
      const folder = await this.#onDisk(path);
      await this.#changing([dirname(folder)], () => mkdir(folder));
    } catch (error) {
      throw toFsError(error, 'create the folder', path);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      const source = await this.#onDisk(from, true);
      const target = await this.#onDisk(to);
      // Synchronous and without an exception when nothing is there (the usual case), as lstat():
      // the promise version's ENOENT error was 0.6 of B's 11 CPU-s placing 10k downloads.
      const existing = existingEntry(target);
      const sourceStats = lstatSync(source);
      if (existing) {
        // On a case-insensitive disk `a` → `A` finds the source itself at the target: allowed.
        if (existing.ino !== sourceStats.ino || existing.dev !== sourceStats.dev || from === to) {
          throw new FsError('exists', `Could not move "${from}" to "${to}": the name is already taken.`, to, 'EEXIST');
        }
      } else if (sourceStats.isFile() && (await this.#changing([dirname(source), dirname(target)], () => moveWithoutReplacing(source, target), source))) {
        return;
      }
      await this.#changing([dirname(source), dirname(target)], () => rename(source, target), source);
    } catch (error) {
      throw toFsError(error, 'move', from);
    }
  }

  async trash(path: string): Promise<string> {
    const name = baseName(path);
    const trashPath = joinPath(LOCAL_TRASH_FOLDER, trashName(name, new Date(), randomBytes(3).toString('hex')));
    try {
      const source = await this.#onDisk(path, true);
      await lstat(source);
      await mkdir(this.absolute(LOCAL_TRASH_FOLDER), { recursive: true });
      await this.#changing([dirname(source)], () => rename(source, this.absolute(trashPath)), source);
      return trashPath;
    } catch (error) {
      throw toFsError(error, 'move to the trash', path);
    }
  }

  async remove(path: string): Promise<void> {
    try {
      const absolute = await this.#onDisk(path, true);
      const stats = await lstat(absolute);
      await this.#changing([dirname(absolute)], () => (stats.isDirectory() ? rmdir(absolute) : unlink(absolute)), absolute);
    } catch (error) {
      throw toFsError(error, 'delete', path);
    }
  }

  async setExecutable(path: string, executable: boolean): Promise<void> {
    try {
      const absolute = await this.#onDisk(path, true);
      const stats = await lstat(absolute);
      if (!stats.isFile()) throw new FsError('not_found', `Could not change "${path}": it is not a file.`, path);
      // Each class that can read gets execute too; setuid/setgid/sticky are always cleared (#52).
      const readBits = stats.mode & 0o444;
      const mode = (stats.mode & 0o666) | (executable ? readBits >> 2 : 0);
      await chmod(absolute, mode);
    } catch (error) {
      throw toFsError(error, 'change the permissions of', path);
    }
  }

  async freeSpace(): Promise<number> {
    try {
      const stats = await statfs(this.root);
      return stats.bavail * stats.bsize;
    } catch (error) {
      throw toFsError(error, 'measure the free space of', '');
    }
  }

  /** Deletes everything under the folder: for tests and benchmarks only. */
  async destroy(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** The scanner's synchronous listing on a real disk. */
export class NodeSyncLister implements SyncLister {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  list(path: string): ListedEntry[] {
    const folder = join(this.#root, ...splitPath(path));
    let names: string[];
    const invalid: Buffer[] = [];
    try {
      names = readdirSync(folder);
      // Node decodes names lossily; a U+FFFD hints at bytes that are not UTF-8, and only then is
      // the folder read again as raw bytes to tell (SCENARIOS #29).
      if (names.some((name) => name.includes('\uFFFD'))) {
        names = [];
        for (const raw of readdirSync(folder, { encoding: 'buffer' })) {
          try {
            names.push(utf8.decode(raw));
          } catch {
            invalid.push(raw);
          }
        }
      }
    } catch (error) {
      throw toFsError(error, 'list', path);
    }
    const result: ListedEntry[] = [];
    for (const raw of invalid) {
      // Named by a faithful rendering (its bad bytes as \xNN, so no two read alike) and looked at
      // by its raw bytes: it is reported and never synced, but the engine knows it is there.
      let stats: Stats;
      try {
        stats = lstatSync(Buffer.concat([Buffer.from(`${folder}${sep}`), raw]));
      } catch {
        continue;
      }
      result.push({ ...describe(stats), name: showBytes(raw), validUtf8: false });
    }
    for (const name of names) {
      let stats: Stats;
      try {
        // Plain concatenation: path.join per entry is a measurable share of a 100k-file walk.
        stats = lstatSync(`${folder}${sep}${name}`);
      } catch (error) {
        // Gone since the listing: it is simply not there any more.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw toFsError(error, 'look at', joinPath(path, name));
      }
      result.push({ ...describe(stats), name, validUtf8: true });
    }
    return result;
  }

  readText(path: string): string | undefined {
    try {
      return readFileSync(join(this.#root, ...splitPath(path)), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw toFsError(error, 'read', path);
    }
  }
}

/**
 * Moves a file only if nothing is at the target: link() fails with EEXIST atomically, where
 * "check, then rename()" would replace a file the user saved there in between (rename() replaces
 * silently; found as a lost write by the multi-client simulation under load). False when this
 * disk has no hard links (FAT, some network shares): the caller falls back to its checked rename.
 * A crash between link and unlink leaves both names on one file; recovery removes the source.
 */
async function moveWithoutReplacing(source: string, target: string): Promise<boolean> {
  try {
    await link(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EMLINK' || code === 'EXDEV') return false;
    throw error;
  }
  await unlink(source);
  return true;
}
