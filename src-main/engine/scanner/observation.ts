// What the scanner's walk reports about the disk: one Observation per entry, and problems (names
// that cannot be synced, links, folders it could not read). Plain data, so it crosses from the
// walking worker to the main thread by structured clone.

export type ObservedKind = 'file' | 'folder' | 'symlink' | 'other';

export interface Observation {
  /** '/'-separated, relative to the synced folder, every name in Unicode NFC (the tree's names). */
  path: string;
  /** The path as spelled on disk, only when it differs from `path` (NFD names on macOS). */
  diskPath?: string;
  kind: ObservedKind;
  size: number;
  mtimeMs: number;
  inode: number;
  executable: boolean;
  /** Covered by a built-in pattern or a .tandemignore; links and special files always are. */
  ignored: boolean;
  /**
   * A first index skipped this file's lstat (it is hashed anyway): size, mtimeMs, inode and
   * executable are zero until the hasher's fstat fills them in.
   */
  unstatted?: true;
}

export type ScanProblemCode =
  | 'invalid_utf8' // a name that is not valid UTF-8 (#29): not synced, not renamed
  | 'symlink' // a symbolic link (#49): never followed, never synced
  | 'special_file' // a socket, FIFO or device
  | 'unreadable' // a folder that could not be listed: its contents are kept as they were
  | 'encoding_conflict'; // two names in one folder equal after NFC normalization (#26)

export interface ScanProblem {
  code: ScanProblemCode;
  /** The path (a lossy rendering for invalid names). */
  path: string;
  message: string;
}

export interface WalkResult {
  /** Parents always come before their children. */
  observations: Observation[];
  problems: ScanProblem[];
  /** Folders whose contents could not be read: what was known inside them stays as it was. */
  unreadable: string[];
}

/** The path a file is read at. */
export function diskPathOf(observation: Observation): string {
  return observation.diskPath ?? observation.path;
}
