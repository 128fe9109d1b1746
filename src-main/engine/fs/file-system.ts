// The FileSystem port (Syncthing's lib/fs idea): the few disk operations the engine needs, on
// paths RELATIVE to one synced folder ('a/b.txt', '' for the folder itself, always '/'-separated).
// node-file-system.ts is the real one; fake-file-system.ts is an in-memory one whose behaviour
// (case-insensitive, NFD-normalizing, failing, slow) each test sets, so platform rules and faults
// are testable on Linux. file-system.contract.test.ts holds both to the same behaviour.

export type EntryKind = 'file' | 'folder' | 'symlink' | 'other';

/** What lstat says about one entry (links are described, never followed). */
export interface EntryStat {
  kind: EntryKind;
  /** Bytes (0 for folders). */
  size: number;
  mtimeMs: number;
  /** Identifies the file on its volume across renames (what rename detection keys on). */
  inode: number;
  /** The owner's executable bit (always false where the disk has none). */
  executable: boolean;
}

export interface DirEntry {
  name: string;
  kind: EntryKind;
}

/** One entry as the scanner's walk sees it: its name, whether that name is valid text, and lstat. */
export interface ListedEntry extends EntryStat {
  /** The name as text; when `validUtf8` is false a rendering with the bad bytes as \xNN, for reports only. */
  name: string;
  /** False when the name on disk is not valid UTF-8 (possible on Linux; SCENARIOS #29). */
  validUtf8: boolean;
}

/**
 * The synchronous listing the scanner's walk runs on (in a worker thread, synchronous calls are
 * several times faster than promises per file). Both file systems provide one.
 */
export interface SyncLister {
  /** The entries of a folder with their lstat, in no particular order. Throws FsError. */
  list(path: string): ListedEntry[];
  /** A small text file's content, or undefined when it does not exist. */
  readText(path: string): string | undefined;
}

export type FsErrorCode =
  | 'not_found' // ENOENT, or a parent that is not a folder (ENOTDIR)
  | 'exists' // the target of a create or rename is taken
  | 'not_a_folder'
  | 'is_a_folder'
  | 'not_empty'
  | 'no_space' // ENOSPC, EDQUOT
  | 'access' // EACCES, EPERM
  | 'io' // EIO and other device errors
  | 'bad_path' // a path that leaves the folder or is malformed: a bug in the caller
  | 'other';

/** A failed disk operation: a stable code for the engine, one sentence for people. */
export class FsError extends Error {
  readonly code: FsErrorCode;
  readonly path: string;
  /** The system's own code (ENOENT, EIO …) when there is one. */
  readonly errno: string | undefined;

  constructor(code: FsErrorCode, message: string, path: string, errno?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FsError';
    this.code = code;
    this.path = path;
    this.errno = errno;
  }
}

export interface WriteOptions {
  executable?: boolean;
  /** Set the modification time after writing (the executor keeps the remote's where it has one). */
  mtimeMs?: number;
}

/** Where trashed entries go, inside the synced folder (ignored by the `.tandem*` rule). */
export const LOCAL_TRASH_FOLDER = '.tandem/trash';
/** Temp files written by writeFileAtomic start with this (ignored by the `.tandem*` rule). */
export const TEMP_PREFIX = '.tandem-tmp-';

export interface FileSystem {
  /** For messages: where this file system lives ('/home/me/Tandem', 'memory'). */
  readonly description: string;
  lstat(path: string): Promise<EntryStat>;
  readdir(path: string): Promise<DirEntry[]>;
  /**
   * The content in pieces, streamed (never the whole file in memory). `expectedSize`, when the
   * caller knows it, only sizes the read buffer: every byte is still read, whatever the size now.
   */
  openRead(path: string, expectedSize?: number): AsyncIterable<Uint8Array>;
  /**
   * The bytes from `offset` to `offset + length` of a file, read in place (a download takes the
   * blocks it already has from local files this way). Fewer bytes when the file ends sooner, none
   * past its end. A link is never followed (reading one fails).
   */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Writes a temp file beside `path`, fsyncs it, then renames it over `path`: readers see the old
   * bytes or the new, never a part (SCENARIOS invariant 5). The parent must exist.
   */
  writeFileAtomic(path: string, data: Uint8Array | AsyncIterable<Uint8Array>, options?: WriteOptions): Promise<EntryStat>;
  /** Creates one folder; its parent must exist. Fails with `exists` when the name is taken. */
  mkdir(path: string): Promise<void>;
  /**
   * Moves an entry; fails with `exists` when the target name is taken by ANOTHER entry (a case-only
   * rename of the same entry on a case-insensitive disk is allowed). Never overwrites.
   */
  rename(from: string, to: string): Promise<void>;
  /** Moves the entry into the local trash folder; returns where it went. */
  trash(path: string): Promise<string>;
  /** Deletes a file or an EMPTY folder for good. */
  remove(path: string): Promise<void>;
  setExecutable(path: string, executable: boolean): Promise<void>;
  /** Bytes free for this user on the folder's volume. */
  freeSpace(): Promise<number>;
  /** The synchronous listing for the scanner. */
  readonly syncLister: SyncLister;
}

/** Checks a relative path and returns its parts; throws `bad_path` for anything that could escape. */
export function splitPath(path: string): string[] {
  if (path === '') return [];
  const parts = path.split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('\\') || part.includes('\0')) {
      throw new FsError('bad_path', `"${path}" is not a path inside the synced folder.`, path);
    }
  }
  return parts;
}

/** A byte range must be whole, non-negative numbers: anything else is a bug in the caller. */
export function checkRange(path: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new FsError('bad_path', `Could not read ${length} bytes at ${offset} of "${path}": not a valid byte range.`, path);
  }
}

export function parentPath(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** A name for a trashed entry that will not collide: when, plus a random tag, plus the name. */
export function trashName(name: string, now: Date, tag: string): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return `${stamp}-${tag}-${name}`;
}
