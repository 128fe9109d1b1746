// "Large-new-folder threshold" (UI.md, Selective sync): a folder that appears on the server after
// this computer's first sync, and holds more than the threshold, is asked about instead of
// pulled. In every pass, after the server's changes are read and before anything is planned (the
// engine's leaveOut hook), the guard looks for folders that hold nothing synced here yet and would
// bring more than the threshold down; the engine leaves those out through its own selective sync
// before a byte of them is fetched, and each is listed in "Needs you" with the way to get it: tick
// it in "Choose folders to sync". Each folder is asked about once (remembered in the settings),
// so ticking it really downloads it.
import type { HealthItem } from '../../src-shared/ipc/contract.ts';
import { pathOf, type Tree } from '../engine/tree/tree.ts';
import type { AppContext } from './app-context.ts';
import type { FolderRuntime, FoldersService } from './folders.ts';
import { describeBytes } from './time-left.ts';
import { subtreeSizes } from './tree-paths.ts';

const MiB = 1024 * 1024;

export interface HeldFolder {
  id: string;
  path: string;
  size: number;
}

/**
 * The folders that hold nothing this computer has synced yet and would bring more than `limit`
 * bytes of files down (files on the server that are neither synced nor on this disk); only the
 * topmost of each (its parent holds synced files, or is the top). A folder does not have to be
 * new to this computer's index: another computer uploads the empty folder first and its files
 * after, so the folder may arrive (and be synced, empty) a pass before its content. Pure.
 */
export function largeNewFolders(
  trees: { remote: Tree; synced: Tree; local: Tree },
  excluded: ReadonlySet<string>,
  asked: ReadonlySet<string>,
  limit: number,
): HeldFolder[] {
  const { remote, synced, local } = trees;
  const incoming = new Map<string, number>();
  const holdsSynced = new Set<string>();
  const leftOut = (id: string) => {
    for (let current: string | null = id, guard = 0; current !== null && guard < 10_000; guard++) {
      if (excluded.has(current)) return true;
      current = remote.items.get(current)?.parentId ?? null;
    }
    return false;
  };
  for (const item of remote.items.values()) {
    if (item.kind !== 'file') continue;
    const isSynced = synced.items.has(item.id);
    if (!isSynced && local.items.has(item.id)) continue;
    for (let parent = item.parentId, guard = 0; parent !== null && guard < 10_000; guard++) {
      if (isSynced) {
        // Everything above already marked: stop early.
        if (holdsSynced.has(parent)) break;
        holdsSynced.add(parent);
      } else incoming.set(parent, (incoming.get(parent) ?? 0) + (item.size ?? 0));
      parent = remote.items.get(parent)?.parentId ?? null;
    }
  }
  const candidate = (id: string) => id !== remote.rootId && !holdsSynced.has(id) && (incoming.get(id) ?? 0) > limit;
  const found: HeldFolder[] = [];
  for (const [id, bytes] of incoming) {
    const item = remote.items.get(id);
    if (!item || item.parentId === null || !candidate(id) || candidate(item.parentId)) continue;
    if (asked.has(id) || leftOut(id)) continue;
    found.push({ id, path: pathOf(remote, id) ?? item.name, size: bytes });
  }
  return found;
}

export class LargeFolderGuard {
  readonly #ctx: AppContext;
  readonly #folders: FoldersService;
  readonly #held: (folders: HeldFolder[]) => void;

  /** `held`: told when folders were left out (for a notification). */
  constructor(ctx: AppContext, folders: FoldersService, held: (folders: HeldFolder[]) => void) {
    this.#ctx = ctx;
    this.#folders = folders;
    this.#held = held;
    folders.setLeaveOut((runtime, trees, excluded) => this.#leaveOut(runtime, trees, excluded));
  }

  #asked(folderId: string): Set<string> {
    return new Set(this.#ctx.settings.current.largeFoldersAsked[folderId] ?? []);
  }

  /** The engine's pre-plan hook: runs after the server's changes are read, before any download. */
  #leaveOut(runtime: FolderRuntime, trees: { local: Tree; remote: Tree; synced: Tree }, excluded: ReadonlySet<string>): string[] {
    const folderId = runtime.record.id;
    // Before the first full sync the person chose what to sync themselves (the wizard).
    if (runtime.waitingForChoice || !runtime.status?.lastSyncedAt) return [];
    const limit = this.#ctx.settings.current.largeFolderThresholdMiB * MiB;
    const found = largeNewFolders(trees, excluded, this.#asked(folderId), limit);
    if (found.length === 0) return [];
    // Asked once: ticking it later in "Choose folders to sync" really downloads it.
    void this.#ctx.settings
      .update((s) => ({
        ...s,
        largeFoldersAsked: { ...s.largeFoldersAsked, [folderId]: [...new Set([...(s.largeFoldersAsked[folderId] ?? []), ...found.map((f) => f.id)])] },
      }))
      .catch(() => undefined);
    this.#held(found);
    return found.map((f) => f.id);
  }

  /** How many are held back now, without reading any tree (the state is drawn several times a second). */
  count(): number {
    let count = 0;
    for (const runtime of this.#folders.runtimes()) {
      const asked = this.#ctx.settings.current.largeFoldersAsked[runtime.record.id];
      const excluded = asked?.length ? runtime.engine?.index.excludedIds() : undefined;
      if (asked && excluded) count += asked.filter((id) => excluded.has(id)).length;
    }
    return count;
  }

  /** "Needs you": each folder held back and still left out, with how to get it. */
  items(): HealthItem[] {
    const items: HealthItem[] = [];
    for (const runtime of this.#folders.runtimes()) {
      const folderId = runtime.record.id;
      const asked = this.#ctx.settings.current.largeFoldersAsked[folderId];
      const index = runtime.engine?.index;
      if (!asked?.length || !index) continue;
      const excluded = index.excludedIds();
      const held = asked.filter((id) => excluded.has(id));
      if (held.length === 0) continue;
      const remote = index.loadTree('remote');
      if (!remote) continue;
      const sizes = subtreeSizes(remote);
      for (const id of held) {
        if (!remote.items.has(id)) continue;
        const path = pathOf(remote, id) ?? id;
        items.push({
          id: `${folderId}:large_folder:${id}`,
          folderId,
          kind: 'large_folder',
          severity: 'info',
          path,
          title: `A new folder on the server, ${path} (${describeBytes(sizes.get(id) ?? 0)}), was not downloaded.`,
          // The limit as the person typed it in Preferences.
          fix: `It is larger than your limit of ${this.#ctx.settings.current.largeFolderThresholdMiB} MB. Tick it in Choose folders to sync to download it.`,
        });
      }
    }
    return items;
  }
}
