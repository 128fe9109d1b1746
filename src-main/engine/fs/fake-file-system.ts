// An in-memory FileSystem for tests, after Syncthing's fake filesystem: each test sets how it
// behaves — case-insensitive like Windows and macOS, storing names in NFD like macOS HFS+, failing
// with EIO/ENOSPC/EACCES at chosen paths, slow, short of space — so platform rules and faults are
// exercised on any machine. It follows the same contract as NodeFileSystem
// (file-system.contract.test.ts).

import {
  FsError,
  LOCAL_TRASH_FOLDER,
  baseName,
  checkRange,
  joinPath,
  parentPath,
  splitPath,
  trashName,
} from './file-system.ts';
import type { DirEntry, EntryStat, FileSystem, FsErrorCode, ListedEntry, SyncLister, WriteOptions } from './file-system.ts';

interface FileNode {
  kind: 'file';
  data: Uint8Array;
  mtimeMs: number;
  inode: number;
  executable: boolean;
}
interface FolderNode {
  kind: 'folder';
  /** key (see FakeFileSystem#key) → the name as stored, and the node. */
  children: Map<string, { name: string; node: FakeNode }>;
  mtimeMs: number;
  inode: number;
}
interface LinkNode {
  kind: 'symlink';
  target: string;
  mtimeMs: number;
  inode: number;
}
type FakeNode = FileNode | FolderNode | LinkNode;

/** The operations a failure can be attached to. */
export type FakeOperation = 'lstat' | 'readdir' | 'read' | 'write' | 'mkdir' | 'rename' | 'trash' | 'remove' | 'chmod' | 'list';

export type FakeErrno = 'EIO' | 'ENOSPC' | 'EACCES';

const ERRNO_CODES: Record<FakeErrno, FsErrorCode> = { EIO: 'io', ENOSPC: 'no_space', EACCES: 'access' };

export interface FakeFileSystemOptions {
  /** Names differing only by case are the same entry (Windows, macOS defaults). */
  caseInsensitive?: boolean;
  /** 'nfd': names are stored decomposed and NFC/NFD spellings are the same entry (macOS HFS+). */
  normalization?: 'none' | 'nfd';
  /** Every async operation waits this long first (a slow or network disk). */
  latencyMs?: number;
  /** Bytes the disk can still take; writes beyond fail with ENOSPC. Default: plenty. */
  freeBytes?: number;
  /** The clock for modification times (tests pin it). */
  now?: () => number;
}

interface Failure {
  key: string;
  errno: FakeErrno;
  operations: ReadonlySet<FakeOperation> | undefined;
}

export class FakeFileSystem implements FileSystem {
  readonly description = 'memory';
  readonly syncLister: SyncLister;
  readonly #caseInsensitive: boolean;
  readonly #nfd: boolean;
  readonly #latencyMs: number;
  readonly #now: () => number;
  #freeBytes: number;
  #nextInode = 100;
  #nextTag = 1;
  readonly #root: FolderNode;
  readonly #failures: Failure[] = [];

  constructor(options: FakeFileSystemOptions = {}) {
    this.#caseInsensitive = options.caseInsensitive ?? false;
    this.#nfd = options.normalization === 'nfd';
    this.#latencyMs = options.latencyMs ?? 0;
    this.#freeBytes = options.freeBytes ?? Number.MAX_SAFE_INTEGER;
    this.#now = options.now ?? Date.now;
    this.#root = { kind: 'folder', children: new Map(), mtimeMs: this.#now(), inode: this.#nextInode++ };
    const lister: SyncLister = {
      list: (path) => this.#list(path),
      readText: (path) => {
        const node = this.#find(path);
        return node?.kind === 'file' ? new TextDecoder().decode(node.data) : undefined;
      },
    };
    this.syncLister = lister;
  }

  // ---- behaviour set by tests --------------------------------------------------------------

  /** Makes operations on `path` (or only the listed ones) fail with `errno` until cleared. */
  failAt(path: string, errno: FakeErrno, operations?: FakeOperation[]): void {
    this.#failures.push({ key: this.#pathKey(path), errno, operations: operations ? new Set(operations) : undefined });
  }

  clearFailures(): void {
    this.#failures.length = 0;
  }

  set freeBytes(bytes: number) {
    this.#freeBytes = bytes;
  }

  // ---- synchronous helpers for arranging a test --------------------------------------------

  /** Creates or replaces a file (parents are created), as another program would. */
  put(path: string, content: string | Uint8Array, options: { mtimeMs?: number; executable?: boolean } = {}): void {
    const parts = splitPath(path);
    let folder = this.#root;
    for (const part of parts.slice(0, -1)) {
      const existing = folder.children.get(this.#key(part))?.node;
      if (existing?.kind === 'folder') folder = existing;
      else {
        const created: FolderNode = { kind: 'folder', children: new Map(), mtimeMs: this.#now(), inode: this.#nextInode++ };
        folder.children.set(this.#key(part), { name: this.#stored(part), node: created });
        folder = created;
      }
    }
    const name = parts.at(-1);
    if (name === undefined) throw new FsError('is_a_folder', 'The root is a folder.', path);
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const existing = folder.children.get(this.#key(name));
    const node: FileNode = {
      kind: 'file',
      data,
      mtimeMs: options.mtimeMs ?? this.#now(),
      // Written in place, like an editor that does not save atomically: the inode stays.
      inode: existing?.node.kind === 'file' ? existing.node.inode : this.#nextInode++,
      executable: options.executable ?? false,
    };
    folder.children.set(this.#key(name), { name: existing?.name ?? this.#stored(name), node });
  }

  /** A second name for an existing file (a hard link: the same node, so the same inode and bytes). */
  putHardLink(path: string, existing: string): void {
    const node = this.#find(existing);
    if (node?.kind !== 'file') throw new Error(`putHardLink: ${existing} is not a file`);
    const { folder, name } = this.#parentOf(path);
    folder.children.set(this.#key(name), { name: this.#stored(name), node });
  }

  /** Creates a symbolic link (never followed by anything here). */
  putLink(path: string, target: string): void {
    const { folder, name } = this.#parentOf(path);
    folder.children.set(this.#key(name), {
      name: this.#stored(name),
      node: { kind: 'symlink', target, mtimeMs: this.#now(), inode: this.#nextInode++ },
    });
  }

  /** A file's bytes, or undefined. */
  get(path: string): Uint8Array | undefined {
    const node = this.#find(path);
    return node?.kind === 'file' ? node.data : undefined;
  }

  setMtime(path: string, mtimeMs: number): void {
    const node = this.#find(path);
    if (!node) throw new FsError('not_found', `No "${path}".`, path);
    node.mtimeMs = mtimeMs;
  }

  // ---- the FileSystem port -----------------------------------------------------------------

  async lstat(path: string): Promise<EntryStat> {
    await this.#enter('lstat', path);
    return describe(this.#need(path, 'look at'));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    await this.#enter('readdir', path);
    return this.#folder(path, 'list').map(({ name, node }) => ({ name, kind: node.kind }));
  }

  async *openRead(path: string): AsyncIterable<Uint8Array> {
    await this.#enter('read', path);
    const node = this.#need(path, 'read');
    if (node.kind !== 'file') throw this.#error(node.kind === 'folder' ? 'is_a_folder' : 'not_found', 'read', path);
    const data = node.data;
    const piece = 64 * 1024;
    for (let at = 0; at < data.length; at += piece) yield data.slice(at, at + piece);
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(path, offset, length);
    await this.#enter('read', path);
    const node = this.#need(path, 'read');
    if (node.kind !== 'file') throw this.#error(node.kind === 'folder' ? 'is_a_folder' : 'not_found', 'read', path);
    return node.data.slice(offset, offset + length);
  }

  async writeFileAtomic(path: string, data: Uint8Array | AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<EntryStat> {
    await this.#enter('write', path);
    const { folder, name } = this.#parentOf(path, 'write');
    let bytes: Uint8Array;
    if (data instanceof Uint8Array) bytes = data.slice();
    else {
      const pieces: Uint8Array[] = [];
      for await (const piece of data) pieces.push(piece.slice());
      bytes = concat(pieces);
    }
    if (bytes.length > this.#freeBytes) throw new FsError('no_space', `Could not write "${path}": the disk is full.`, path, 'ENOSPC');
    const existing = folder.children.get(this.#key(name));
    if (existing?.node.kind === 'folder') throw this.#error('is_a_folder', 'write', path);
    this.#freeBytes -= bytes.length;
    // A fresh inode, as the rename of a temp file gives on a real disk.
    const node: FileNode = {
      kind: 'file',
      data: bytes,
      mtimeMs: options.mtimeMs ?? this.#now(),
      inode: this.#nextInode++,
      executable: options.executable ?? false,
    };
    folder.children.set(this.#key(name), { name: existing?.name ?? this.#stored(name), node });
    return describe(node);
  }

  async mkdir(path: string): Promise<void> {
    await this.#enter('mkdir', path);
    const { folder, name } = this.#parentOf(path, 'create the folder');
    if (folder.children.has(this.#key(name))) throw this.#error('exists', 'create the folder', path);
    folder.children.set(this.#key(name), {
      name: this.#stored(name),
      node: { kind: 'folder', children: new Map(), mtimeMs: this.#now(), inode: this.#nextInode++ },
    });
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#enter('rename', from);
    this.#checkFailure('rename', to);
    const source = this.#parentOf(from, 'move');
    const entry = source.folder.children.get(this.#key(source.name));
    if (!entry) throw this.#error('not_found', 'move', from);
    const target = this.#parentOf(to, 'move');
    const taken = target.folder.children.get(this.#key(target.name));
    if (taken && (taken.node !== entry.node || from === to)) throw this.#error('exists', 'move', to);
    if (entry.node.kind === 'folder' && this.#contains(entry.node, target.folder)) {
      throw new FsError('other', `Could not move "${from}" into itself.`, from, 'EINVAL');
    }
    source.folder.children.delete(this.#key(source.name));
    target.folder.children.set(this.#key(target.name), { name: this.#stored(target.name), node: entry.node });
  }

  async trash(path: string): Promise<string> {
    await this.#enter('trash', path);
    this.#need(path, 'move to the trash');
    let folder = this.#root;
    for (const part of splitPath(LOCAL_TRASH_FOLDER)) {
      const next = folder.children.get(this.#key(part))?.node;
      if (next?.kind === 'folder') folder = next;
      else {
        const created: FolderNode = { kind: 'folder', children: new Map(), mtimeMs: this.#now(), inode: this.#nextInode++ };
        folder.children.set(this.#key(part), { name: part, node: created });
        folder = created;
      }
    }
    const target = joinPath(LOCAL_TRASH_FOLDER, trashName(baseName(path), new Date(this.#now()), String(this.#nextTag++)));
    await this.rename(path, target);
    return target;
  }

  async remove(path: string): Promise<void> {
    await this.#enter('remove', path);
    const { folder, name } = this.#parentOf(path, 'delete');
    const entry = folder.children.get(this.#key(name));
    if (!entry) throw this.#error('not_found', 'delete', path);
    if (entry.node.kind === 'folder' && entry.node.children.size > 0) throw this.#error('not_empty', 'delete', path);
    if (entry.node.kind === 'file') this.#freeBytes += entry.node.data.length;
    folder.children.delete(this.#key(name));
  }

  async setExecutable(path: string, executable: boolean): Promise<void> {
    await this.#enter('chmod', path);
    const node = this.#need(path, 'change the permissions of');
    if (node.kind !== 'file') throw new FsError('not_found', `Could not change "${path}": it is not a file.`, path);
    node.executable = executable;
  }

  async freeSpace(): Promise<number> {
    await this.#delay();
    return this.#freeBytes;
  }

  // ---- internals ---------------------------------------------------------------------------

  #key(name: string): string {
    let key = this.#nfd ? name.normalize('NFD') : name;
    if (this.#caseInsensitive) key = key.toUpperCase().toLowerCase();
    return key;
  }

  #stored(name: string): string {
    return this.#nfd ? name.normalize('NFD') : name;
  }

  #pathKey(path: string): string {
    return splitPath(path)
      .map((part) => this.#key(part))
      .join('/');
  }

  async #delay(): Promise<void> {
    if (this.#latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#latencyMs));
  }

  async #enter(operation: FakeOperation, path: string): Promise<void> {
    await this.#delay();
    this.#checkFailure(operation, path);
  }

  #checkFailure(operation: FakeOperation, path: string): void {
    const key = this.#pathKey(path);
    for (const failure of this.#failures) {
      if (failure.key !== key) continue;
      if (failure.operations && !failure.operations.has(operation)) continue;
      const code = ERRNO_CODES[failure.errno];
      throw new FsError(code, `Could not ${operation} "${path}": ${failure.errno} (a failure set by the test).`, path, failure.errno);
    }
  }

  #error(code: FsErrorCode, action: string, path: string): FsError {
    const reasons: Partial<Record<FsErrorCode, string>> = {
      not_found: 'it does not exist',
      exists: 'the name is already taken',
      is_a_folder: 'it is a folder',
      not_empty: 'the folder is not empty',
      not_a_folder: 'it is not a folder',
    };
    return new FsError(code, `Could not ${action} "${path || '.'}": ${reasons[code] ?? code}.`, path);
  }

  #find(path: string): FakeNode | undefined {
    let node: FakeNode = this.#root;
    for (const part of splitPath(path)) {
      if (node.kind !== 'folder') return undefined;
      const next = node.children.get(this.#key(part));
      if (!next) return undefined;
      node = next.node;
    }
    return node;
  }

  #need(path: string, action: string): FakeNode {
    const node = this.#find(path);
    if (!node) throw this.#error('not_found', action, path);
    return node;
  }

  #folder(path: string, action: string): Array<{ name: string; node: FakeNode }> {
    const node = this.#need(path, action);
    if (node.kind !== 'folder') throw this.#error('not_a_folder', action, path);
    return [...node.children.values()];
  }

  #parentOf(path: string, action = 'change'): { folder: FolderNode; name: string } {
    const parts = splitPath(path);
    if (parts.length === 0) throw new FsError('bad_path', `Could not ${action} the synced folder itself.`, path);
    const parent = this.#find(parentPath(path));
    if (parent?.kind !== 'folder') throw this.#error('not_found', action, path);
    return { folder: parent, name: baseName(path) };
  }

  #contains(folder: FolderNode, candidate: FolderNode): boolean {
    if (folder === candidate) return true;
    for (const { node } of folder.children.values()) if (node.kind === 'folder' && this.#contains(node, candidate)) return true;
    return false;
  }

  #list(path: string): ListedEntry[] {
    this.#checkFailure('list', path);
    return this.#folder(path, 'list').map(({ name, node }) => ({ name, validUtf8: true, ...describe(node) }));
  }
}

function describe(node: FakeNode): EntryStat {
  return {
    kind: node.kind,
    size: node.kind === 'file' ? node.data.length : 0,
    mtimeMs: node.mtimeMs,
    inode: node.inode,
    executable: node.kind === 'file' && node.executable,
  };
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
