// Selective sync: the server's folders (from the folder's copy of the server's tree, so every
// size is known without asking the server per folder), one level at a time, with tri-state
// checks; what a new choice would free or download before it is applied; applying it through the
// engine, which removes only fully synced copies and keeps (and reports) anything with changes.
import { statfs } from 'node:fs/promises';
import { TandemError } from '../../src-shared/errors.ts';
import type { CheckState, IpcHandlers, SelectiveFolder, SelectivePreview } from '../../src-shared/ipc/contract.ts';
import type { TreeItem } from '../engine/tree/item.ts';
import { childrenOf, pathOf, type Tree } from '../engine/tree/tree.ts';
import type { FolderRuntime, FoldersService } from './folders.ts';
import { describeBytes } from './time-left.ts';
import { subtreeSizes } from './tree-paths.ts';

/** True when the item or a folder above it is in `excluded`. */
function isExcluded(tree: Tree, id: string, excluded: ReadonlySet<string>): boolean {
  let current: string | null = id;
  for (let guard = 0; current !== null && guard < 10_000; guard++) {
    if (excluded.has(current)) return true;
    current = tree.items.get(current)?.parentId ?? null;
  }
  return false;
}

function hasExcludedInside(tree: Tree, id: string, excluded: ReadonlySet<string>): boolean {
  for (const excludedId of excluded) {
    if (excludedId === id) continue;
    let current = tree.items.get(excludedId)?.parentId ?? null;
    for (let guard = 0; current !== null && guard < 10_000; guard++) {
      if (current === id) return true;
      current = tree.items.get(current)?.parentId ?? null;
    }
  }
  return false;
}

export function checkState(tree: Tree, id: string, excluded: ReadonlySet<string>): CheckState {
  if (isExcluded(tree, id, excluded)) return 'unchecked';
  return hasExcludedInside(tree, id, excluded) ? 'partial' : 'checked';
}

export class SelectiveSyncService {
  readonly #folders: FoldersService;

  constructor(folders: FoldersService) {
    this.#folders = folders;
  }

  #trees(runtime: FolderRuntime): { remote: Tree; local: Tree | undefined; synced: Tree | undefined; excluded: Set<string> } | undefined {
    const index = runtime.engine?.index;
    const remote = index?.loadTree('remote');
    if (!index || !remote) return undefined;
    return { remote, local: index.loadTree('local'), synced: index.loadTree('synced'), excluded: index.excludedIds() };
  }

  list(folderId: string, parentId: string | undefined) {
    const runtime = this.#folders.get(folderId);
    const trees = this.#trees(runtime);
    // Not read yet (the first look at the server is under way): an empty, honest answer.
    if (!trees || (trees.remote.items.size <= 1 && !runtime.status?.lastSyncedAt && !runtime.waitingForChoice)) {
      return { parentId: parentId ?? '', folders: [], excludedIds: trees ? [...trees.excluded] : [], ready: false };
    }
    const { remote, excluded } = trees;
    const parent = parentId ?? remote.rootId;
    const parentItem = remote.items.get(parent);
    if (!parentItem || parentItem.kind !== 'folder') throw new TandemError('not_found', 'That folder is no longer on the server. Refresh the list.');
    const sizes = subtreeSizes(remote);
    const folders: SelectiveFolder[] = childrenOf(remote, parent)
      .filter((child) => child.kind === 'folder')
      .map((child) => ({
        id: child.id,
        name: child.name,
        path: pathOf(remote, child.id) ?? child.name,
        size: sizes.get(child.id) ?? 0,
        state: checkState(remote, child.id, excluded),
        hasSubfolders: childrenOf(remote, child.id).some((grandchild) => grandchild.kind === 'folder'),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { parentId: parent, folders, excludedIds: [...excluded], ready: true };
  }

  async preview(folderId: string, excludedIds: readonly string[]): Promise<SelectivePreview> {
    const runtime = this.#folders.get(folderId);
    const trees = this.#trees(runtime);
    if (!trees) throw new TandemError('conflict', 'Tandem is still reading the server; try again in a moment.');
    const { remote, excluded: before } = trees;
    const after = new Set(excludedIds.filter((id) => remote.items.has(id)));
    const local = trees.local ?? remote;
    const synced = trees.synced;
    let bytesToFree = 0;
    let bytesToDownload = 0;
    const keptBecauseUnsynced: string[] = [];
    // Files on this disk that would leave, and server files that would arrive.
    for (const item of local.items.values()) {
      if (item.kind !== 'file' || !isExcluded(local, item.id, after) || isExcluded(local, item.id, before)) continue;
      const base = synced?.items.get(item.id);
      const server = remote.items.get(item.id);
      if (!base || !server || base.hash !== item.hash || server.hash !== item.hash) keptBecauseUnsynced.push(pathOf(local, item.id) ?? item.name);
      else bytesToFree += item.size ?? 0;
    }
    for (const item of remote.items.values()) {
      if (item.kind !== 'file' || !isExcluded(remote, item.id, before) || isExcluded(remote, item.id, after)) continue;
      if (!local.items.has(item.id)) bytesToDownload += (item as TreeItem).size ?? 0;
    }
    let freeBytes: number | null = null;
    try {
      const info = await statfs(runtime.record.path);
      freeBytes = info.bavail * info.bsize;
    } catch {
      // Unknown: the summary leaves it out.
    }
    const fits = freeBytes === null || bytesToDownload <= freeBytes;
    const parts: string[] = [];
    if (bytesToFree > 0) parts.push(`This will free ${describeBytes(bytesToFree)} on this computer`);
    if (bytesToDownload > 0) parts.push(`This will download ${describeBytes(bytesToDownload)}${freeBytes !== null ? `; ${describeBytes(freeBytes)} free` : ''}`);
    let summary = parts.length > 0 ? `${parts.join('. ')}.` : 'Nothing changes on this computer.';
    if (!fits) summary += ' There is not enough free space; leave out more folders or make room first.';
    if (keptBecauseUnsynced.length > 0) {
      summary += ` ${keptBecauseUnsynced.length === 1 ? 'One file has' : `${keptBecauseUnsynced.length} files have`} changes not on the server yet; they stay on this computer.`;
    }
    return { bytesToFree, bytesToDownload, freeBytes, keptBecauseUnsynced, summary, fits };
  }

  async apply(folderId: string, excludedIds: readonly string[]) {
    const runtime = this.#folders.get(folderId);
    const engine = this.#folders.engine(folderId);
    const remote = engine.index.loadTree('remote');
    const known = excludedIds.filter((id) => remote?.items.get(id)?.kind === 'folder');
    if (runtime.waitingForChoice) {
      // Nothing is on this disk from the server yet: record the choice, then start syncing.
      engine.index.setExcludedIds(known);
      await this.#folders.startAfterChoice(folderId);
      return { removed: 0, kept: [], summary: 'Tandem is syncing the folders you chose.' };
    }
    const result = await engine.setExcluded(known);
    const summary =
      result.kept.length === 0
        ? 'Done. Unchecked folders are off this computer and stay on the server.'
        : `Done, except ${result.kept.length === 1 ? 'one item' : `${result.kept.length} items`} with changes not on the server yet, kept on this computer so nothing is lost.`;
    return { removed: result.removed, kept: result.kept, summary };
  }

  readonly handlers: Pick<IpcHandlers, 'selective.list' | 'selective.preview' | 'selective.apply'> = {
    'selective.list': async ({ folderId, parentId }) => this.list(folderId, parentId),
    'selective.preview': ({ folderId, excludedIds }) => this.preview(folderId, excludedIds),
    'selective.apply': ({ folderId, excludedIds }) => this.apply(folderId, excludedIds),
  };
}
