// Where the index may live: in the STATE folder, never inside the synced folder (the scanner would
// see the database change under it and sync it; deleting the synced folder would take the index
// along). Paths are compared after resolving symlinks of the parts that exist, and without regard to
// case on the platforms whose default disks ignore it, so "/Sync/.state" cannot hide as "/sync/.state".

import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { IndexError } from './index-error.ts';

export interface StateFolders {
  /** The state folder, resolved (it may not exist yet). */
  stateDir: string;
  /** The synced folder, resolved. */
  syncedFolder: string;
}

/** Resolves both folders and refuses a state folder that is, or is inside, the synced folder. */
export function checkStateFolder(stateDir: string, syncedFolder: string, platform: string = process.platform): StateFolders {
  if (stateDir.trim() === '') throw new IndexError('bad_input', 'The state folder is empty: give a folder for Tandem\'s state.');
  if (syncedFolder.trim() === '') throw new IndexError('bad_input', 'The synced folder is empty: give the folder to sync.');
  const state = resolveExisting(stateDir);
  const synced = resolveExisting(syncedFolder);
  const fold = platform === 'darwin' || platform === 'win32' ? (p: string) => p.toLowerCase() : (p: string) => p;
  const inside = relative(fold(synced), fold(state));
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    throw new IndexError(
      'state_inside_folder',
      `The state folder ${stateDir} is inside the synced folder ${syncedFolder}; choose a state folder outside it (for example with --state).`,
      stateDir,
    );
  }
  return { stateDir: state, syncedFolder: synced };
}

/** The absolute path with symlinks resolved as far as the path exists (the rest appended as is). */
function resolveExisting(path: string): string {
  const absolute = resolve(path);
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      const real = realpathSync.native(current);
      return rest.length === 0 ? real : [real, ...rest.reverse()].join(sep);
    } catch {
      const parent = dirname(current);
      if (parent === current) return absolute;
      rest.push(basename(current));
      current = parent;
    }
  }
}
