// The scanner's walk: every entry of the synced folder, depth first, through a SyncLister (the
// real disk in a worker thread, or the fake file system in tests), with the ignore rules applied
// as it goes (each folder's .tandemignore is read before its entries are judged) and without
// descending into ignored folders or links. Synchronous and allocation-light on purpose: the full
// index target is ≥ 50,000 files/s (issue 6).

import { FsError, joinPath } from '../fs/file-system.ts';
import type { SyncLister } from '../fs/file-system.ts';
import { IGNORE_FILE_NAME } from '../ignore/built-in-patterns.ts';
import { IgnoreRules } from '../ignore/ignore-rules.ts';
import { isPartialLister } from './disk-lister.ts';
import type { ScanEntry } from './disk-lister.ts';
import type { Observation, ScanProblem, WalkResult } from './observation.ts';

export interface WalkOptions {
  /** Receives observations in batches as the walk goes (the worker forwards them). */
  onBatch?: (batch: Observation[]) => void;
  batchSize?: number;
  /**
   * False: regular files are not lstat'ed (a first index, where every file is hashed and the
   * hasher reads its facts); needs a PartialLister. Default true.
   */
  statFiles?: boolean;
  /** False: observations only go to onBatch, the result holds none (less memory in the worker). */
  keep?: boolean;
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

/** Plain ASCII (nothing to normalize). A loop: an anchored regex test per name cost a tenth of the walk. */
function isAscii(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0x7f) return false;
  return true;
}

function nfc(name: string): string {
  return isAscii(name) ? name : name.normalize('NFC');
}

export function walkFolder(lister: SyncLister, options: WalkOptions = {}): WalkResult {
  const walker = new Walker(lister, new IgnoreRules(), options);
  walker.stack.push(['', '']);
  walker.drain();
  return walker.finish();
}

export interface PathsWalkResult extends WalkResult {
  /** NFC paths re-observed with everything below them: what the previous tree knew there is replaced. */
  covered: string[];
}

/**
 * Re-observes only some paths (watcher hints, as spelled on disk) and everything below those that
 * are folders. `ignoreFolders` lists the folders (on disk) holding a .tandemignore, so the rules
 * are the same as in a full walk. A hint whose folder cannot be read is left out of `covered`, so
 * what was known there is kept; a hint inside an ignored folder is skipped the same way.
 */
export function walkPaths(
  lister: SyncLister,
  hints: readonly string[],
  ignoreFolders: readonly string[],
  /** Paths to re-check that may not be spelled as on disk: a missing parent leaves them as they were. */
  checks: readonly string[] = [],
): PathsWalkResult {
  const rules = new IgnoreRules();
  for (const folder of ignoreFolders) {
    const content = lister.readText(joinPath(folder, IGNORE_FILE_NAME));
    if (content !== undefined) rules.addFile(nfcPath(folder), content);
  }
  const walker = new Walker(lister, rules, {});
  // A hint inside another hinted path is covered by that one's walk.
  const checked = new Set(checks);
  const unique = [...new Set([...hints, ...checks])].sort();
  // Ancestors looked up by name, not every pair compared: 10k hints cost 10k lookups, not 10^8.
  const hinted = new Set(unique);
  const kept = unique.filter((hint) => {
    for (let slash = hint.indexOf('/'); slash >= 0; slash = hint.indexOf('/', slash + 1)) if (hinted.has(hint.slice(0, slash))) return false;
    return true;
  });
  const byParent = new Map<string, { names: Set<string>; mustExist: boolean }>();
  for (const hint of kept) {
    const slash = hint.lastIndexOf('/');
    const parent = slash < 0 ? '' : hint.slice(0, slash);
    const group = byParent.get(parent) ?? { names: new Set<string>(), mustExist: true };
    // Names compare in NFC: hints come as spelled on disk, checks as the tree spells them.
    group.names.add(nfc(hint.slice(slash + 1)));
    if (!checked.has(hint)) group.mustExist = false;
    byParent.set(parent, group);
  }
  const covered: string[] = [];
  for (const [parentDisk, { names, mustExist }] of byParent) {
    const parent = nfcPath(parentDisk);
    if (parent !== '' && rules.ignores(parent, true)) continue;
    if (!walker.listFolder(parent, parentDisk, names, !mustExist)) continue;
    for (const name of names) covered.push(joinPath(parent, name));
    walker.drain();
  }
  return { ...walker.finish(), covered };
}

function nfcPath(path: string): string {
  return path === '' ? '' : path.split('/').map(nfc).join('/');
}

class Walker {
  readonly stack: Array<[string, string]> = [];
  readonly #lister: SyncLister;
  readonly #rules: IgnoreRules;
  readonly #options: WalkOptions;
  readonly #observations: Observation[] = [];
  readonly #problems: ScanProblem[] = [];
  readonly #unreadable: string[] = [];
  #batchStart = 0;

  constructor(lister: SyncLister, rules: IgnoreRules, options: WalkOptions) {
    this.#lister = lister;
    this.#rules = rules;
    this.#options = options;
  }

  drain(): void {
    const batchSize = this.#options.batchSize ?? 2000;
    while (this.stack.length > 0) {
      const [folderPath, folderDisk] = this.stack.pop()!;
      this.listFolder(folderPath, folderDisk, undefined, false);
      if (this.#observations.length - this.#batchStart >= batchSize) this.#flush();
    }
  }

  finish(): WalkResult {
    this.#flush();
    return { observations: this.#observations, problems: this.#problems, unreadable: this.#unreadable };
  }

  #flush(): void {
    if (this.#options.onBatch && this.#observations.length > this.#batchStart) {
      this.#options.onBatch(this.#observations.slice(this.#batchStart));
      if (this.#options.keep === false) this.#observations.length = 0;
      this.#batchStart = this.#observations.length;
    }
  }

  /**
   * Observes the entries of one folder (only `only`, when given) and queues its subfolders.
   * False when the folder could not be read. A folder that no longer exists reads as empty when
   * `goneIsEmpty` (a hinted path whose parent was deleted is simply gone).
   */
  listFolder(folderPath: string, folderDisk: string, only: ReadonlySet<string> | undefined, goneIsEmpty: boolean): boolean {
    const lister = this.#lister;
    const rules = this.#rules;
    const observations = this.#observations;
    const problems = this.#problems;
    let entries: ScanEntry[];
    const partial = isPartialLister(lister) ? lister : undefined;
    try {
      // A few hinted names in a big folder: look at those only, when the lister can.
      if (only !== undefined && partial) entries = partial.listSome(folderDisk, (name) => only.has(nfc(name)));
      else if (only === undefined && partial && this.#options.statFiles === false) entries = partial.listUnstatted(folderDisk);
      else entries = lister.list(folderDisk);
    } catch (error) {
      const fsError = error instanceof FsError ? error : new FsError('other', String(error), folderDisk);
      if (folderPath === '') throw new ScanRootError(fsError);
      if (fsError.code === 'not_found') {
        if (goneIsEmpty) return true;
        if (only !== undefined) return false;
      }
      this.#unreadable.push(folderPath);
      problems.push({ code: 'unreadable', path: folderPath, message: `Could not read the folder "${folderPath}"; what was in it is kept as it was. ${fsError.message}` });
      return false;
    }

    if (only === undefined) {
      const ignoreFile = entries.find((entry) => entry.name === IGNORE_FILE_NAME && entry.kind === 'file');
      if (ignoreFile) {
        const content = lister.readText(joinPath(folderDisk, IGNORE_FILE_NAME));
        if (content !== undefined) rules.addFile(folderPath, content);
      }
    }

    // Two spellings of one name (NFC and NFD) side by side: only possible on a disk that keeps
    // both (Linux). The NFC one is kept; the other is reported, never squashed (#26).
    let seen: Set<string> | undefined;
    if (entries.some((entry) => !isAscii(entry.name))) {
      seen = new Set(entries.filter((entry) => entry.validUtf8 && entry.name === nfc(entry.name)).map((entry) => entry.name));
    }

    for (let entry of entries) {
      if (only !== undefined && !only.has(nfc(entry.name))) continue;
      const diskPath = joinPath(folderDisk, entry.name);
      if (!entry.validUtf8) {
        problems.push({ code: 'invalid_utf8', path: diskPath, message: `The name "${diskPath}" is not valid UTF-8 text, so it cannot be synced; rename it to sync it.` });
        // Still observed, as an ignored entry under its rendering (the listing gives its bad bytes
        // as \xNN): never synced, but the planner knows the folder holds it, so a folder deleted
        // elsewhere is kept and reported instead of a delete retried forever. Unless a real
        // sibling happens to bear that very rendering: then it is only reported.
        if (!entries.some((other) => other.validUtf8 && other.name === entry.name)) {
          observations.push({
            path: joinPath(folderPath, entry.name),
            kind: entry.kind,
            size: entry.size,
            mtimeMs: entry.mtimeMs,
            inode: entry.inode,
            executable: false,
            ignored: true,
          });
        }
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
      // An ignored file is never hashed, so nothing else would read its facts.
      if (ignored && entry.unstatted && partial) {
        const stated = partial.statOne(diskPath);
        if (!stated) continue;
        entry = stated;
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
      if (entry.unstatted) observation.unstatted = true;
      if (diskPath !== path) observation.diskPath = diskPath;
      observations.push(observation);
      if (entry.kind === 'folder' && !ignored) this.stack.push([path, diskPath]);
    }
    return true;
  }
}
