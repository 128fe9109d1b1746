// The ignore matcher: the built-in patterns (built-in-patterns.ts) plus every `.tandemignore`
// in the folder, in gitignore syntax through the `ignore` package. Nested files work as in git: a
// `.tandemignore` in folder D applies to paths below D, relative to D, and the deeper file decides
// first (so `!keep.log` in a subfolder re-includes what the top file excluded). As in git, nothing
// inside an ignored folder can be re-included. Patterns match case-insensitively on every device,
// so one shared .tandemignore means the same thing on Linux, macOS and Windows.
// An ignored entry is either `clutter` (OS metadata in a file: removed with its folder when that
// folder is deleted elsewhere, SCENARIOS #35) or plain `ignored` (kept, and keeps its folder, #19).
// Pure: the scanner feeds in the files it reads.

import ignore from 'ignore';
import type { Ignore } from 'ignore';
import { isBuiltInIgnored, isClutterName } from './built-in-patterns.ts';

/** What an ignored entry is: OS clutter (safe to remove with its folder) or anything else (kept). */
export type IgnoredCategory = 'clutter' | 'ignored';

export interface IgnoreDecision {
  ignored: boolean;
  /** Why, for the UI: 'built-in' or the .tandemignore path and pattern. */
  reason?: string;
  /** Set when ignored: 'clutter' only for a FILE with an OS clutter name (.DS_Store, Thumbs.db …). */
  category?: IgnoredCategory;
}

export class IgnoreRules {
  /** folder path ('' for the root) → its compiled .tandemignore. */
  readonly #files = new Map<string, Ignore>();

  /** Adds (or replaces) the rules of the `.tandemignore` found in `folder` ('' for the root). */
  addFile(folder: string, content: string): void {
    const lines = content.split(/\r?\n/);
    this.#files.set(folder, ignore({ ignorecase: true }).add(lines));
  }

  /** How many .tandemignore files are loaded. */
  get fileCount(): number {
    return this.#files.size;
  }

  /**
   * The decision for one entry whose parent folder is known not to be ignored (how the scanner
   * walks: it never descends into an ignored folder). `path` is '/'-separated, relative.
   */
  decideEntry(path: string, isFolder: boolean): IgnoreDecision {
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    if (isBuiltInIgnored(name)) return { ignored: true, reason: 'built-in', category: !isFolder && isClutterName(name) ? 'clutter' : 'ignored' };
    if (this.#files.size === 0) return { ignored: false };
    // Deepest .tandemignore first: the first one with an opinion decides.
    let folder = slash < 0 ? '' : path.slice(0, slash);
    for (;;) {
      const rules = this.#files.get(folder);
      if (rules) {
        const relative = folder === '' ? path : path.slice(folder.length + 1);
        const result = rules.test(isFolder ? `${relative}/` : relative);
        if (result.unignored) return { ignored: false };
        if (result.ignored) return { ignored: true, reason: `${folder === '' ? '' : `${folder}/`}.tandemignore: ${result.rule?.pattern ?? ''}`, category: 'ignored' };
      }
      if (folder === '') return { ignored: false };
      const up = folder.lastIndexOf('/');
      folder = up < 0 ? '' : folder.slice(0, up);
    }
  }

  /** Whether the entry is ignored, itself or through an ignored folder above it. */
  ignores(path: string, isFolder: boolean): boolean {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (this.decideEntry(parts.slice(0, i).join('/'), true).ignored) return true;
    }
    return this.decideEntry(path, isFolder).ignored;
  }
}
