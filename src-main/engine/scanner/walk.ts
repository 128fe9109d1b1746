// The scanner's walk: every entry of the synced folder, depth first, through a SyncLister (the
// real disk in a worker thread, or the fake file system in tests), with the ignore rules applied
// as it goes (each folder's .tandemignore is read before its entries are judged) and without
// descending into ignored folders or links. Synchronous and allocation-light on purpose: the full
// index target is ≥ 50,000 files/s (issue 6).

import { FsError, joinPath } from '../fs/file-system.ts';
import type { ListedEntry, SyncLister } from '../fs/file-system.ts';
import { IGNORE_FILE_NAME } from '../ignore/built-in-patterns.ts';
import { IgnoreRules } from '../ignore/ignore-rules.ts';
import type { Observation, ScanProblem, WalkResult } from './observation.ts';

export interface WalkOptions {
  /** Receives observations in batches as the walk goes (the worker forwards them). */
  onBatch?: (batch: Observation[]) => void;
  batchSize?: number;
}

/** Thrown when the synced folder itself cannot be listed: nothing can be concluded. */
export class ScanRootError extends Error {
  readonly fsError: FsError;
  constructor(fsError: FsError) {
    super(`The synced folder cannot be read: ${fsError.message}`, { cause: fsError });
    this.name = 'ScanRootError';
    this.fsError = fsError;
  }
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

function nfc(name: string): string {
  return ASCII.test(name) ? name : name.normalize('NFC');
}

export function walkFolder(lister: SyncLister, options: WalkOptions = {}): WalkResult {
  const batchSize = options.batchSize ?? 2000;
  const rules = new IgnoreRules();
  const observations: Observation[] = [];
  const problems: ScanProblem[] = [];
  const unreadable: string[] = [];
  let batchStart = 0;
  const flush = () => {
    if (options.onBatch && observations.length > batchStart) {
      options.onBatch(observations.slice(batchStart));
      batchStart = observations.length;
    }
  };

  // [path in NFC, path on disk]
  const stack: Array<[string, string]> = [['', '']];
  while (stack.length > 0) {
    const [folderPath, folderDisk] = stack.pop()!;
    let entries: ListedEntry[];
    try {
      entries = lister.list(folderDisk);
    } catch (error) {
      const fsError = error instanceof FsError ? error : new FsError('other', String(error), folderDisk);
      if (folderPath === '') throw new ScanRootError(fsError);
      unreadable.push(folderPath);
      problems.push({ code: 'unreadable', path: folderPath, message: `Could not read the folder "${folderPath}"; what was in it is kept as it was. ${fsError.message}` });
      continue;
    }

    const ignoreFile = entries.find((entry) => entry.name === IGNORE_FILE_NAME && entry.kind === 'file');
    if (ignoreFile) {
      const content = lister.readText(joinPath(folderDisk, IGNORE_FILE_NAME));
      if (content !== undefined) rules.addFile(folderPath, content);
    }

    // Two spellings of one name (NFC and NFD) side by side: only possible on a disk that keeps
    // both (Linux). The NFC one is kept; the other is reported, never squashed (#26).
    let seen: Set<string> | undefined;
    if (entries.some((entry) => !ASCII.test(entry.name))) {
      seen = new Set(entries.filter((entry) => entry.validUtf8 && entry.name === nfc(entry.name)).map((entry) => entry.name));
    }

    for (const entry of entries) {
      const diskPath = joinPath(folderDisk, entry.name);
      if (!entry.validUtf8) {
        problems.push({ code: 'invalid_utf8', path: diskPath, message: `The name "${diskPath}" is not valid UTF-8 text, so it cannot be synced; rename it to sync it.` });
        continue;
      }
      const name = nfc(entry.name);
      if (seen && name !== entry.name) {
        if (seen.has(name)) {
          problems.push({
            code: 'encoding_conflict',
            path: diskPath,
            message: `"${diskPath}" has the same name as another entry in its folder once Unicode is normalized; only one can be synced. Rename one of them.`,
          });
          continue;
        }
        seen.add(name);
      }
      const path = joinPath(folderPath, name);
      let ignored = rules.decideEntry(path, entry.kind === 'folder').ignored;
      if (!ignored && entry.kind === 'symlink') {
        problems.push({ code: 'symlink', path, message: `"${path}" is a symbolic link; Tandem does not follow or sync links.` });
        ignored = true;
      } else if (!ignored && entry.kind === 'other') {
        problems.push({ code: 'special_file', path, message: `"${path}" is not a regular file or folder (a socket, pipe or device); it is not synced.` });
        ignored = true;
      }
      const observation: Observation = {
        path,
        kind: entry.kind,
        size: entry.size,
        mtimeMs: entry.mtimeMs,
        inode: entry.inode,
        executable: entry.executable,
        ignored,
      };
      if (diskPath !== path) observation.diskPath = diskPath;
      observations.push(observation);
      if (entry.kind === 'folder' && !ignored) stack.push([path, diskPath]);
    }
    if (observations.length - batchStart >= batchSize) flush();
  }
  flush();
  return { observations, problems, unreadable };
}
